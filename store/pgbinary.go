package store

import (
	"encoding/binary"
	"fmt"
	"time"
)

// PostgreSQL's binary wire format for the few types the log writer's pipe
// sends (one-dimensional arrays of bigint, text, timestamptz and boolean)
// and reads back (a bigint).

// Element type OIDs (pg_type).
const (
	oidBool        = 16
	oidInt8        = 20
	oidText        = 25
	oidTimestamptz = 1184
)

// pgEpochMicros is 2000-01-01 00:00:00 UTC, PostgreSQL's timestamp zero,
// in Unix microseconds.
const pgEpochMicros = 946_684_800_000_000

// arrayEncoder appends array parameters to buf, one after another from
// start; ends records where each one ends.
type arrayEncoder struct {
	buf   []byte
	start int
	ends  []int
}

// header starts an array of n elements and returns the offset of its
// has-nulls flag.
func (e *arrayEncoder) header(n int, oid uint32) int {
	dims := uint32(1)
	if n == 0 {
		dims = 0
	}
	e.buf = binary.BigEndian.AppendUint32(e.buf, dims)
	flag := len(e.buf)
	e.buf = binary.BigEndian.AppendUint32(e.buf, 0)
	e.buf = binary.BigEndian.AppendUint32(e.buf, oid)
	if n > 0 {
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
		e.buf = binary.BigEndian.AppendUint32(e.buf, 1) // lower bound
	}
	return flag
}

func (e *arrayEncoder) end() { e.ends = append(e.ends, len(e.buf)) }

func (e *arrayEncoder) texts(n int, at func(int) string) {
	e.header(n, oidText)
	for i := range n {
		s := at(i)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(s)))
		e.buf = append(e.buf, s...)
	}
	e.end()
}

// int8s appends a bigint array; at reports false for a NULL element.
func (e *arrayEncoder) int8s(n int, at func(int) (int64, bool)) {
	flag := e.header(n, oidInt8)
	for i := range n {
		v, ok := at(i)
		if !ok {
			binary.BigEndian.PutUint32(e.buf[flag:], 1)
			e.buf = binary.BigEndian.AppendUint32(e.buf, 0xFFFFFFFF) // length -1: NULL
			continue
		}
		e.buf = binary.BigEndian.AppendUint32(e.buf, 8)
		e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v))
	}
	e.end()
}

func (e *arrayEncoder) times(n int, at func(int) time.Time) {
	e.header(n, oidTimestamptz)
	for i := range n {
		e.buf = binary.BigEndian.AppendUint32(e.buf, 8)
		e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(at(i).UnixMicro()-pgEpochMicros))
	}
	e.end()
}

func (e *arrayEncoder) bools(n int, at func(int) bool) {
	e.header(n, oidBool)
	for i := range n {
		e.buf = binary.BigEndian.AppendUint32(e.buf, 1)
		if at(i) {
			e.buf = append(e.buf, 1)
		} else {
			e.buf = append(e.buf, 0)
		}
	}
	e.end()
}

// int8Value decodes a result row of one bigint column.
func int8Value(values [][]byte) (int64, error) {
	if len(values) != 1 || len(values[0]) != 8 {
		return 0, fmt.Errorf("want one 8-byte bigint, got %d columns", len(values))
	}
	return int64(binary.BigEndian.Uint64(values[0])), nil
}
