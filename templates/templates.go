// Package templates turns one inbound customer message into the bot's reply.
//
// It is pure: no database, no network, no clock and no state that changes.
// [Reply] classifies the message into one of a fixed set of intents, decides
// which language to answer in (English or Swahili), picks up any day or time
// the customer mentioned, and writes the reply for the tenant's template
// (booking, ecommerce or support), filling in the business name or using the
// tenant's own wording for that intent where the tenant has set one.
//
// The same input always gives the same output, and Reply is safe for
// concurrent use.
package templates

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Intent is what a customer message is about.
type Intent string

// The intents, in the order [Intents] lists them.
const (
	Greeting    Intent = "greeting"
	Thanks      Intent = "thanks"
	Hours       Intent = "hours"
	Location    Intent = "location"
	Human       Intent = "human"
	Price       Intent = "price"
	Book        Intent = "book"
	Reschedule  Intent = "reschedule"
	Cancel      Intent = "cancel"
	Order       Intent = "order"
	OrderStatus Intent = "order_status"
	Delivery    Intent = "delivery"
	Payment     Intent = "payment"
	Refund      Intent = "refund"
	Problem     Intent = "problem"
	Unknown     Intent = "unknown"
)

// allIntents is indexed by intentID; see classify.go.
var allIntents = [numIntents]Intent{
	Greeting, Thanks, Hours, Location, Human, Price, Book, Reschedule,
	Cancel, Order, OrderStatus, Delivery, Payment, Refund, Problem, Unknown,
}

// Intents returns every intent, in a fixed order. The slice is a fresh copy.
func Intents() []Intent { return append([]Intent(nil), allIntents[:]...) }

// Valid reports whether i is one of [Intents].
func (i Intent) Valid() bool {
	_, ok := intentIndex(i)
	return ok
}

// ParseIntent returns the intent named s (case and surrounding space ignored).
func ParseIntent(s string) (Intent, error) {
	i := Intent(strings.ToLower(strings.TrimSpace(s)))
	if !i.Valid() {
		return "", fmt.Errorf("templates: unknown intent %q", s)
	}
	return i, nil
}

func intentIndex(i Intent) (intentID, bool) {
	for n, v := range allIntents {
		if v == i {
			return intentID(n), true
		}
	}
	return 0, false
}

// Template is the kind of business a tenant runs; it decides the wording of
// every reply.
type Template string

// The templates.
const (
	Booking   Template = "booking"   // appointments: salons, clinics, garages
	Ecommerce Template = "ecommerce" // a shop that sells and delivers goods
	Support   Template = "support"   // a help desk for an existing service
)

// Templates returns every template, in a fixed order.
func Templates() []Template { return []Template{Booking, Ecommerce, Support} }

// Valid reports whether t is one of [Templates].
func (t Template) Valid() bool { return t == Booking || t == Ecommerce || t == Support }

// ParseTemplate returns the template named s (case and surrounding space ignored).
func ParseTemplate(s string) (Template, error) {
	t := Template(strings.ToLower(strings.TrimSpace(s)))
	if !t.Valid() {
		return "", fmt.Errorf("templates: unknown template %q (want booking, ecommerce or support)", s)
	}
	return t, nil
}

// Language is a reply language, or the Auto setting.
type Language string

// Languages and the Auto setting.
const (
	English Language = "en"
	Swahili Language = "sw"
	// Auto answers in the language the customer wrote in. It is a setting
	// only: a Result's Language is always English or Swahili.
	Auto Language = "auto"
)

// Languages returns the languages replies are written in: en and sw.
func Languages() []Language { return []Language{English, Swahili} }

// LanguageSettings returns the values Config.Language accepts: en, sw and auto.
func LanguageSettings() []Language { return []Language{English, Swahili, Auto} }

// Valid reports whether l is a reply language (en or sw).
func (l Language) Valid() bool { return l == English || l == Swahili }

// ValidSetting reports whether l is one of [LanguageSettings].
func (l Language) ValidSetting() bool { return l.Valid() || l == Auto }

// ParseLanguage returns the language setting named s (case and surrounding
// space ignored); it accepts en, sw and auto, and the names english,
// swahili and kiswahili.
func ParseLanguage(s string) (Language, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "en", "english":
		return English, nil
	case "sw", "swahili", "kiswahili":
		return Swahili, nil
	case "auto":
		return Auto, nil
	}
	return "", fmt.Errorf("templates: unknown language %q (want en, sw or auto)", s)
}

// Overrides holds a tenant's own reply texts, by intent and then by reply
// language (en or sw). In JSON it is an object such as
//
//	{"hours": {"en": "We open 8am-6pm, Monday to Saturday.", "sw": "Tunafungua saa mbili asubuhi."}}
//
// A text may contain the placeholder {business}, which is replaced with
// the business name. An empty or all-space text means "no override".
type Overrides map[Intent]map[Language]string

// Lookup returns the override for intent and lang, if one is set.
func (o Overrides) Lookup(intent Intent, lang Language) (string, bool) {
	text, ok := o[intent][lang]
	if !ok || strings.TrimSpace(text) == "" {
		return "", false
	}
	return text, true
}

// Limits on configuration values.
const (
	MaxBusinessLen = 80   // runes in a business name
	MaxOverrideLen = 1000 // runes in one override text
)

// PlaceholderBusiness is the one placeholder an override may use.
const PlaceholderBusiness = "{business}"

// Config is a tenant's reply configuration.
type Config struct {
	Template Template `json:"template"`
	// Business is the name replies use; empty means a generic phrase
	// ("our team" / "timu yetu").
	Business string `json:"business,omitempty"`
	// Language is en, sw or auto; empty is treated as auto.
	Language  Language  `json:"language,omitempty"`
	Overrides Overrides `json:"overrides,omitempty"`
}

// ErrInvalid is wrapped by every validation error, so callers can tell bad
// input (errors.Is(err, ErrInvalid)) from other failures.
var ErrInvalid = errors.New("invalid reply configuration")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("templates: %w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Validate checks a configuration before it is stored. [Reply] never fails:
// given a configuration Validate rejects it falls back to safe defaults, but
// the store and the UI should refuse it.
func (c Config) Validate() error {
	if !c.Template.Valid() {
		return invalidf("unknown template %q (want booking, ecommerce or support)", c.Template)
	}
	if c.Language != "" && !c.Language.ValidSetting() {
		return invalidf("unknown language %q (want en, sw or auto)", c.Language)
	}
	if err := ValidateBusiness(c.Business); err != nil {
		return err
	}
	// Check in a fixed order so the same configuration always reports the
	// same error.
	for _, intent := range sortedKeys(c.Overrides) {
		byLang := c.Overrides[intent]
		for _, lang := range sortedKeys(byLang) {
			if err := ValidateOverride(intent, lang, byLang[lang]); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ValidateBusiness checks a business name: valid UTF-8, at most
// MaxBusinessLen runes, no control characters and no braces.
func ValidateBusiness(name string) error {
	if !utf8.ValidString(name) {
		return invalidf("business name is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > MaxBusinessLen {
		return invalidf("business name is %d characters long; the limit is %d", n, MaxBusinessLen)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return invalidf("business name contains a control character")
		}
		if r == '{' || r == '}' {
			return invalidf("business name may not contain { or }")
		}
	}
	return nil
}

// ValidateOverride checks one override text for intent in lang (en or sw).
// An empty or all-space text is valid and means "use the built-in reply".
// Otherwise the text must be valid UTF-8, at most MaxOverrideLen runes, and
// the only placeholder it may use is {business}.
func ValidateOverride(intent Intent, lang Language, text string) error {
	if !intent.Valid() {
		return invalidf("override for unknown intent %q", intent)
	}
	if !lang.Valid() {
		return invalidf("override for %s: unknown language %q (want en or sw)", intent, lang)
	}
	if !utf8.ValidString(text) {
		return invalidf("override for %s/%s is not valid UTF-8", intent, lang)
	}
	if n := utf8.RuneCountInString(text); n > MaxOverrideLen {
		return invalidf("override for %s/%s is %d characters long; the limit is %d", intent, lang, n, MaxOverrideLen)
	}
	rest := text
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return invalidf("override for %s/%s has a { with no closing }", intent, lang)
		}
		name := rest[open : open+end+1]
		if name != PlaceholderBusiness {
			return invalidf("override for %s/%s uses unknown placeholder %s (only %s is known)", intent, lang, name, PlaceholderBusiness)
		}
		rest = rest[open+end+1:]
	}
	return nil
}
