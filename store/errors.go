package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// SQLite extended result codes the store distinguishes.
const (
	sqliteBusy                 = 5
	sqliteConstraint           = 19
	sqliteTooBig               = 18
	sqliteMismatch             = 20
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// isSQLiteBusy reports SQLITE_BUSY (any extended code).
func isSQLiteBusy(err error) bool {
	var se *gosqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqliteBusy
}

// isUniqueViolation reports a duplicate key on any unique index or
// primary key.
func isUniqueViolation(err error) bool {
	if errors.Is(err, errIDTaken) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *gosqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteConstraintUnique || se.Code() == sqliteConstraintPrimaryKey
	}
	return errors.Is(err, gorm.ErrDuplicatedKey)
}

// isForeignKeyViolation reports a row that points at a missing parent.
func isForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *gosqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteConstraintForeignKey
	}
	return errors.Is(err, gorm.ErrForeignKeyViolated)
}

// isPermanent reports an error that retrying the same rows cannot fix:
// bad data or a violated constraint. The writer isolates the op that
// causes it instead of retrying the whole batch forever. Unique
// violations are not permanent: the only unique key the writer can hit is
// the primary key, and reassigning ids on retry fixes that.
func isPermanent(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if pe.Code == "23505" {
			return false
		}
		// 22: data exception, 23: integrity constraint violation,
		// 54: program limit exceeded (such as an index row too large).
		return strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "23") || strings.HasPrefix(pe.Code, "54")
	}
	var se *gosqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqliteConstraintPrimaryKey, sqliteConstraintUnique:
			return false
		case sqliteTooBig, sqliteMismatch:
			return true
		}
		return se.Code()&0xff == sqliteConstraint
	}
	return errors.Is(err, ErrInvalid)
}

// notFound turns gorm's missing-record error into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// checkText rejects strings that PostgreSQL cannot store in a text column
// (invalid UTF-8 or NUL bytes), so both dialects accept the same data.
func checkText(field, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("%w: %s contains a NUL byte", ErrInvalid, field)
	}
	return nil
}

// checkTexts runs checkText over name/value pairs.
func checkTexts(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkText(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}
