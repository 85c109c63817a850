package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runReplyCLI runs "flowhq reply args..." with stdin and returns the exit
// code, stdout and stderr.
func runReplyCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), append([]string{"reply"}, args...), Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(string) string { return "" },
	})
	return code, stdout.String(), stderr.String()
}

// decodeReplies parses the JSON lines flowhq reply prints.
func decodeReplies(t *testing.T, out string) []replyLine {
	t.Helper()
	var lines []replyLine
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var r replyLine
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("bad JSON line %q: %v", l, err)
		}
		lines = append(lines, r)
	}
	return lines
}

// The acceptance check from the issue.
func TestReplyAcceptance(t *testing.T) {
	code, out, errOut := runReplyCLI(t, "Nataka kuweka miadi kesho\nHow much is delivery?\n", "--template", "booking")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := decodeReplies(t, out)
	if len(got) != 2 {
		t.Fatalf("want 2 JSON lines, got %d:\n%s", len(got), out)
	}
	want := []struct{ intent, lang string }{{"book", "sw"}, {"delivery", "en"}}
	for i, w := range want {
		if string(got[i].Intent) != w.intent || string(got[i].Language) != w.lang {
			t.Errorf("line %d: got %s/%s, want %s/%s", i+1, got[i].Intent, got[i].Language, w.intent, w.lang)
		}
		if got[i].Reply == "" {
			t.Errorf("line %d: empty reply", i+1)
		}
	}
	if got[0].Text != "Nataka kuweka miadi kesho" || !strings.Contains(got[0].Reply, "kesho") {
		t.Errorf("line 1: %+v", got[0])
	}
	if got[0].When.Day != "tomorrow" {
		t.Errorf("line 1: when = %+v", got[0].When)
	}
	// The four documented keys are always present, in order.
	if first := strings.SplitN(out, "\n", 2)[0]; !strings.HasPrefix(first, `{"text":`) ||
		!strings.Contains(first, `,"intent":"book","language":"sw","reply":`) {
		t.Errorf("unexpected layout: %s", first)
	}
}

func TestReplyFlags(t *testing.T) {
	msg := "Hello\n"
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"no template", nil, 2, "--template is required"},
		{"bad template", []string{"--template", "salon"}, 2, "unknown template"},
		{"bad language", []string{"--template", "booking", "--language", "fr"}, 2, "unknown language"},
		{"unknown flag", []string{"--template", "booking", "--colour", "red"}, 2, "flag provided but not defined"},
		{"extra argument", []string{"--template", "booking", "extra"}, 2, "unexpected arguments"},
		{"bad business", []string{"--template", "booking", "--business", "a{b}"}, 2, "business name"},
		{"missing overrides file", []string{"--template", "booking", "--overrides", "/nonexistent/o.json"}, 2, "--overrides"},
		{"help", []string{"-h"}, 0, "usage: flowhq reply"},
		{"ok", []string{"--template", "support", "--language", "sw", "--business", "Acme"}, 0, ""},
	}
	for _, tt := range tests {
		code, _, errOut := runReplyCLI(t, msg, tt.args...)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", tt.name, code, tt.code, errOut)
		}
		if !strings.Contains(errOut, tt.inStderr) {
			t.Errorf("%s: stderr %q does not mention %q", tt.name, errOut, tt.inStderr)
		}
	}
}

func TestReplyLanguageAndBusiness(t *testing.T) {
	code, out, errOut := runReplyCLI(t, "How much is delivery?\nHabari\n",
		"--template", "ecommerce", "--language", "sw", "--business", "Duka La Mama")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := decodeReplies(t, out)
	if len(got) != 2 {
		t.Fatalf("want 2 lines, got %d", len(got))
	}
	for _, r := range got {
		if r.Language != "sw" {
			t.Errorf("%q answered in %s with --language sw", r.Text, r.Language)
		}
	}
	if !strings.Contains(got[1].Reply, "Duka La Mama") {
		t.Errorf("business name missing: %q", got[1].Reply)
	}
}

// Long lines (64 KiB and more) work; blank lines are skipped; CRLF input
// is accepted.
func TestReplyInput(t *testing.T) {
	long := strings.Repeat("Nataka kununua viatu ", 200<<10/21)
	in := "Hello\r\n\n   \n" + long + "\nWhere is my order?"
	code, out, errOut := runReplyCLI(t, in, "--template", "ecommerce")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := decodeReplies(t, out)
	if len(got) != 3 {
		t.Fatalf("want 3 lines, got %d", len(got))
	}
	if got[0].Text != "Hello" || got[0].Intent != "greeting" {
		t.Errorf("CRLF line: %+v", got[0])
	}
	if len(got[1].Text) != len(long) || got[1].Intent != "order" {
		t.Errorf("long line: %d bytes, intent %s", len(got[1].Text), got[1].Intent)
	}
	if got[2].Intent != "order_status" {
		t.Errorf("last line without newline: %+v", got[2])
	}

	// A line over the limit is refused, not silently cut.
	code, _, errOut = runReplyCLI(t, strings.Repeat("a", maxReplyLine+10), "--template", "booking")
	if code != 2 || !strings.Contains(errOut, "longer than") {
		t.Errorf("over-long line: exit %d, stderr %q", code, errOut)
	}
}

func TestReplyOverrides(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"hours":{"en":"{business} opens at 8am.","sw":"{business} inafunguliwa saa mbili asubuhi."}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runReplyCLI(t, "What time do you open?\nMnafungua saa ngapi?\n",
		"--template", "booking", "--business", "Salon Neema", "--overrides", good)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := decodeReplies(t, out)
	if len(got) != 2 || got[0].Reply != "Salon Neema opens at 8am." || got[1].Reply != "Salon Neema inafunguliwa saa mbili asubuhi." {
		t.Errorf("overrides not used: %+v", got)
	}

	for name, body := range map[string]string{
		"placeholder.json": `{"hours":{"en":"Open {when}"}}`,
		"intent.json":      `{"weather":{"en":"Sunny"}}`,
		"syntax.json":      `{"hours":`,
		"language.json":    `{"hours":{"fr":"Ouvert"}}`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := runReplyCLI(t, "hi\n", "--template", "booking", "--overrides", path); code != 2 {
			t.Errorf("%s: exit %d, want 2 (stderr %q)", name, code, errOut)
		}
	}
}

// A cancelled context stops the loop with an error.
func TestReplyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := Main(ctx, []string{"reply", "--template", "booking"}, Env{
		Stdin: strings.NewReader("hello\n"), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" },
	})
	if code != 1 || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q", code, stdout.String())
	}
}
