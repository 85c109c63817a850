package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/jackc/pgx/v5"
)

// The pipe's binary parameters mean to PostgreSQL what they say: edge
// cases of each type, compared on the server with the same values written
// as SQL.
func TestPipeBinaryArrays(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	one, neg := int64(1), int64(-9_007_199_254_740_993)
	cases := []struct {
		name  string
		texts []string
		ints  []*int64
		times []time.Time
		bools []bool
		want  string // the same arrays as SQL
	}{
		{"edge values",
			[]string{"", "hello", "Habari yako? é ü 😀", "it's \"quoted\", {braced}, back\\slash", "NULL"},
			[]*int64{&one, nil, &neg, nil},
			[]time.Time{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(2026, 11, 27, 13, 45, 6, 123456000, time.FixedZone("EAT", 3*3600))},
			[]bool{true, false, true},
			`ARRAY['', 'hello', 'Habari yako? é ü 😀', 'it''s "quoted", {braced}, back\slash', 'NULL']::text[],
			 ARRAY[1, NULL, -9007199254740993, NULL]::bigint[],
			 ARRAY['2000-01-01 00:00:00+00', '1999-12-31 23:59:59.999999+00', '2026-11-27 10:45:06.123456+00']::timestamptz[],
			 ARRAY[true, false, true]`},
		{"empty arrays", nil, nil, nil, nil,
			`ARRAY[]::text[], ARRAY[]::bigint[], ARRAY[]::timestamptz[], ARRAY[]::bool[]`},
		{"one element", []string{"x"}, []*int64{&one}, []time.Time{time.Unix(0, 0)}, []bool{false},
			`ARRAY['x'], ARRAY[1]::bigint[], ARRAY['1970-01-01 00:00:00+00']::timestamptz[], ARRAY[false]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			params := store.BinaryArrays(c.texts, c.ints, c.times, c.bools)
			sql := `SELECT ($1::text[], $2::bigint[], $3::timestamptz[], $4::bool[]) IS NOT DISTINCT FROM (` + c.want + `),
				$1::text[]::text, $2::bigint[]::text, $3::timestamptz[]::text, $4::bool[]::text`
			res := conn.PgConn().ExecParams(ctx, sql, params, nil, []int16{1, 1, 1, 1}, nil).Read()
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if got := string(res.Rows[0][0]); got != "t" {
				t.Fatalf("server read %s | %s | %s | %s", res.Rows[0][1], res.Rows[0][2], res.Rows[0][3], res.Rows[0][4])
			}
		})
	}
}
