package templates

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReply feeds arbitrary bytes (valid and invalid UTF-8, huge messages)
// through Reply for every template and language setting. Reply must never
// panic, must always return a known intent, a reply language and a
// non-empty reply, and must give the same answer twice.
//
//	go test -fuzz=FuzzReply ./templates/
func FuzzReply(f *testing.F) {
	for _, name := range []string{"intents.tsv", "heldout.tsv"} {
		file, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			if cols := strings.Split(sc.Text(), "\t"); len(cols) == 4 && !strings.HasPrefix(cols[0], "#") {
				f.Add(cols[3], uint8(0))
			}
		}
		file.Close()
	}
	for _, s := range []string{
		"", " ", "?", "\x00", "\xff\xfe\xfd", "saa", "saa kumi na", "tarehe", "12/", "1:2:3", "99:99",
		"saa 99:00 usiku", "quarter to", "half past 13", "kesho kutwa", "the day after", "12th of",
		"a.m.", "at 0", "saa 0", "saa 12:59 kasorobo", "nitafikaje", "kukukukuku", "hahahahahahahaha",
		"👋👋👋🙏", "ku-", "-book", "'s", "ni-na-", strings.Repeat("Nataka kuweka miadi kesho ", 3000),
		strings.Repeat("a", 64<<10), strings.Repeat("\xff", 64<<10), strings.Repeat("saa nne ", 9000),
		strings.Repeat("é", 40000), strings.Repeat("1/", 30000),
	} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, text string, sel uint8) {
		cfg := Config{
			Template: Templates()[int(sel)%3],
			Language: LanguageSettings()[int(sel/3)%3],
			Business: "Fuzz Co",
		}
		r := Reply(text, cfg)
		if !r.Intent.Valid() {
			t.Fatalf("invalid intent %q", r.Intent)
		}
		if !r.Language.Valid() {
			t.Fatalf("invalid language %q", r.Language)
		}
		if cfg.Language != Auto && r.Language != cfg.Language {
			t.Fatalf("language %s, configured %s", r.Language, cfg.Language)
		}
		if strings.TrimSpace(r.Text) == "" || !utf8.ValidString(r.Text) || strings.ContainsAny(r.Text, "{}") {
			t.Fatalf("bad reply %q", r.Text)
		}
		if h, m, ok := r.When.Clock(); r.When.Time != "" && (!ok || h > 23 || m > 59) {
			t.Fatalf("bad time %q", r.When.Time)
		}
		if w := r.When; w.Month < 0 || w.Month > 12 || w.DayOfMonth < 0 || w.DayOfMonth > 31 {
			t.Fatalf("bad date %+v", w)
		}
		if again := Reply(text, cfg); again != r {
			t.Fatalf("not deterministic: %+v then %+v", r, again)
		}
	})
}
