package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/flowhq/flowhq/templates"
)

// maxReplyLine is the longest input line flowhq reply accepts. WhatsApp
// text messages are far shorter; the limit only guards memory.
const maxReplyLine = 1 << 20

// replyLine is one line of flowhq reply output.
type replyLine struct {
	Text     string             `json:"text"`
	Intent   templates.Intent   `json:"intent"`
	Language templates.Language `json:"language"`
	Reply    string             `json:"reply"`
	When     templates.When     `json:"when,omitzero"`
}

// runReply previews the bot: it reads customer messages from stdin, one per
// line, and writes one JSON object per message to stdout with the intent,
// the reply language and the reply. Blank lines are skipped.
func runReply(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("reply", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	tmpl := fs.String("template", "", "reply template: booking, ecommerce or support (required)")
	lang := fs.String("language", "auto", "reply language: en, sw, or auto (answer in the customer's language)")
	business := fs.String("business", "", `business name used in replies (default: a generic "our business" / "biashara yetu")`)
	overrides := fs.String("overrides", "", `JSON file of reply overrides: {"intent": {"en": "text", "sw": "text"}}`)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: flowhq reply --template booking|ecommerce|support [--language en|sw|auto] [--business NAME] [--overrides FILE] < messages.txt")
		fmt.Fprintln(fs.Output(), "\nReads customer messages from stdin, one per line, and prints one JSON object per message:")
		fmt.Fprintln(fs.Output(), `  {"text":…,"intent":…,"language":…,"reply":…,"when":{…}}`)
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	if *tmpl == "" {
		return usagef("--template is required: booking, ecommerce or support")
	}
	cfg := templates.Config{Business: strings.TrimSpace(*business)}
	var err error
	if cfg.Template, err = templates.ParseTemplate(*tmpl); err != nil {
		return usageError{fmt.Errorf("--template: %w", err)}
	}
	if cfg.Language, err = templates.ParseLanguage(*lang); err != nil {
		return usageError{fmt.Errorf("--language: %w", err)}
	}
	if *overrides != "" {
		if cfg.Overrides, err = readOverrides(*overrides); err != nil {
			return usageError{err}
		}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{fmt.Errorf("reply configuration: %w", err)}
	}

	in := env.Stdin
	if in == nil {
		in = strings.NewReader("")
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), maxReplyLine)
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	for line := 1; sc.Scan(); line++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("reply: %w", err)
		}
		text := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		r := templates.Reply(text, cfg)
		out := replyLine{Text: text, Intent: r.Intent, Language: r.Language, Reply: r.Text, When: r.When}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("reply: write line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return usagef("reply: an input line is longer than %d bytes", maxReplyLine)
		}
		return fmt.Errorf("reply: read stdin: %w", err)
	}
	return nil
}

// readOverrides loads a JSON file of reply overrides.
func readOverrides(path string) (templates.Overrides, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--overrides: %w", err)
	}
	var o templates.Overrides
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return nil, fmt.Errorf("--overrides %s: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("--overrides %s: unexpected data after the JSON object", path)
	}
	return o, nil
}
