package templates

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestEnumerations(t *testing.T) {
	want := "greeting thanks hours location human price book reschedule cancel order order_status delivery payment refund problem unknown"
	var names []string
	for _, i := range Intents() {
		names = append(names, string(i))
		if !i.Valid() {
			t.Errorf("%s not Valid", i)
		}
	}
	if got := strings.Join(names, " "); got != want {
		t.Errorf("Intents() = %s, want %s", got, want)
	}
	Intents()[0] = "changed"
	if Intents()[0] != Greeting {
		t.Error("Intents() returned shared storage")
	}
	if len(Templates()) != 3 || len(Languages()) != 2 || len(LanguageSettings()) != 3 {
		t.Error("wrong number of templates or languages")
	}
	for _, s := range []string{"booking", " Ecommerce ", "SUPPORT"} {
		if _, err := ParseTemplate(s); err != nil {
			t.Errorf("ParseTemplate(%q): %v", s, err)
		}
	}
	if _, err := ParseTemplate("shop"); err == nil {
		t.Error("ParseTemplate(shop) accepted")
	}
	for s, want := range map[string]Language{"en": English, "SW": Swahili, "kiswahili": Swahili, "auto": Auto} {
		if got, err := ParseLanguage(s); err != nil || got != want {
			t.Errorf("ParseLanguage(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseLanguage("fr"); err == nil {
		t.Error("ParseLanguage(fr) accepted")
	}
	if _, err := ParseIntent("nope"); err == nil {
		t.Error("ParseIntent(nope) accepted")
	}
	if Auto.Valid() || !Auto.ValidSetting() {
		t.Error("auto is a setting, not a reply language")
	}
}

func TestValidate(t *testing.T) {
	long := strings.Repeat("a", MaxOverrideLen+1)
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"minimal", Config{Template: Booking}, true},
		{"full", Config{Template: Support, Business: "Acme Ltd", Language: Swahili,
			Overrides: Overrides{Hours: {English: "We open at 8 at {business}.", Swahili: "Tunafungua saa mbili."}}}, true},
		{"empty override means none", Config{Template: Booking, Overrides: Overrides{Hours: {English: "  "}}}, true},
		{"no template", Config{}, false},
		{"bad template", Config{Template: "salon"}, false},
		{"bad language", Config{Template: Booking, Language: "fr"}, false},
		{"long business", Config{Template: Booking, Business: strings.Repeat("x", MaxBusinessLen+1)}, false},
		{"control char in business", Config{Template: Booking, Business: "A\nB"}, false},
		{"brace in business", Config{Template: Booking, Business: "A{b}"}, false},
		{"unknown intent", Config{Template: Booking, Overrides: Overrides{"weather": {English: "Sunny"}}}, false},
		{"auto override", Config{Template: Booking, Overrides: Overrides{Hours: {Auto: "x"}}}, false},
		{"unknown placeholder", Config{Template: Booking, Overrides: Overrides{Hours: {English: "Hi {name}"}}}, false},
		{"unclosed placeholder", Config{Template: Booking, Overrides: Overrides{Hours: {English: "Hi {business"}}}, false},
		{"too long", Config{Template: Booking, Overrides: Overrides{Hours: {English: long}}}, false},
		{"invalid utf-8", Config{Template: Booking, Overrides: Overrides{Hours: {English: "\xff"}}}, false},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v does not wrap ErrInvalid", tt.name, err)
		}
	}
	if err := ValidateOverride(Price, Swahili, "Bei zetu ziko kwenye {business} menu"); err != nil {
		t.Errorf("ValidateOverride: %v", err)
	}
}

func TestOverridesJSON(t *testing.T) {
	in := `{"template":"ecommerce","business":"Duka La Mama","language":"auto",
		"overrides":{"hours":{"en":"{business} is open 8am to 8pm.","sw":"{business} iko wazi saa mbili asubuhi hadi saa mbili usiku."}}}`
	var cfg Config
	if err := json.Unmarshal([]byte(in), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	r := Reply("What time do you open?", cfg)
	if r.Intent != Hours || r.Text != "Duka La Mama is open 8am to 8pm." {
		t.Errorf("en override: %+v", r)
	}
	r = Reply("Mnafungua saa ngapi?", cfg)
	if r.Text != "Duka La Mama iko wazi saa mbili asubuhi hadi saa mbili usiku." {
		t.Errorf("sw override: %+v", r)
	}
	// Other intents keep the built-in text.
	if r := Reply("Do you deliver to Mombasa?", cfg); !strings.Contains(r.Text, "Duka La Mama") || r.Intent != Delivery {
		t.Errorf("built-in: %+v", r)
	}
	// An invalid override is ignored by Reply (Validate would refuse it).
	cfg.Overrides[Hours][English] = "Open {when}"
	if r := Reply("What time do you open?", cfg); strings.Contains(r.Text, "{") {
		t.Errorf("invalid override used: %q", r.Text)
	}
}

func TestLanguageSetting(t *testing.T) {
	for _, msg := range []string{"Nataka kuweka miadi kesho", "I want to book tomorrow", "asdf", ""} {
		for _, l := range Languages() {
			r := Reply(msg, Config{Template: Booking, Language: l})
			if r.Language != l {
				t.Errorf("%q with %s: reply in %s", msg, l, r.Language)
			}
		}
	}
	if r := Reply("Nataka kuweka miadi kesho", Config{Template: Booking}); r.Language != Swahili {
		t.Errorf("auto (empty) setting: %s", r.Language)
	}
	if r := Reply("How much is delivery?", Config{Template: Booking, Language: Auto}); r.Language != English {
		t.Errorf("auto setting: %s", r.Language)
	}
}

// TestEveryReply checks every template answers every intent in both
// languages, with the business name filled in and no placeholder left.
func TestEveryReply(t *testing.T) {
	whens := []When{{}, {Day: Tomorrow, Time: "10:00"}, {Day: Friday}, {Part: Evening}, {Month: 3, DayOfMonth: 12}}
	for _, tmpl := range Templates() {
		for id, intent := range allIntents {
			for _, lang := range Languages() {
				rt := builtinTexts(tmpl)[id].in(lang)
				if rt.plain == "" {
					t.Errorf("%s/%s/%s: no text", tmpl, intent, lang)
				}
				for _, w := range whens {
					text := render(Config{Business: "Kibanda"}, tmpl, intentID(id), lang, w)
					if strings.ContainsAny(text, "{}") || strings.Contains(text, "  ") || strings.TrimSpace(text) != text {
						t.Errorf("%s/%s/%s %+v: bad text %q", tmpl, intent, lang, w, text)
					}
					used := rt.plain
					if !w.IsZero() && echoesWhen(intentID(id)) && rt.when != "" {
						used = rt.when
					}
					if strings.Contains(used, "{business}") != strings.Contains(text, "Kibanda") {
						t.Errorf("%s/%s/%s: business name missing: %q", tmpl, intent, lang, text)
					}
				}
				if echoesWhen(intentID(id)) && intent != Cancel && rt.when == "" {
					t.Errorf("%s/%s/%s: no text that repeats the day and time", tmpl, intent, lang)
				}
			}
		}
	}
	// The generic name is used when none is set.
	if r := Reply("hello", Config{Template: Ecommerce, Language: English}); !strings.Contains(r.Text, defaultBusinessEn) {
		t.Errorf("default business: %q", r.Text)
	}
	if r := Reply("habari", Config{Template: Ecommerce, Language: Swahili}); !strings.Contains(r.Text, defaultBusinessSw) {
		t.Errorf("default business: %q", r.Text)
	}
}

func TestUnknownListsCapabilities(t *testing.T) {
	for _, tmpl := range Templates() {
		r := Reply("asdfgh qwerty", Config{Template: tmpl, Business: "X", Language: English})
		if r.Intent != Unknown || strings.Count(r.Text, "\n- ") < 3 {
			t.Errorf("%s: fallback does not list what the bot can do: %+v", tmpl, r)
		}
	}
}

func TestInvalidConfigFallsBack(t *testing.T) {
	r := Reply("Hello", Config{Template: "nonsense", Language: "xx", Business: "bad\x00name"})
	if r.Intent != Greeting || r.Language != English || !strings.Contains(r.Text, defaultBusinessEn) {
		t.Errorf("fallback: %+v", r)
	}
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Template: Booking, Business: "Neema"}
	msgs := []string{"Naomba nafasi kesho saa nne asubuhi", "Where is my order?", "asdf", "Hi 👋 can I book Friday 3pm?"}
	for _, m := range msgs {
		first := Reply(m, cfg)
		for range 50 {
			if got := Reply(m, cfg); got != first {
				t.Fatalf("%q: %+v then %+v", m, first, got)
			}
		}
	}
}

// TestPriorities checks how competing requests in one message are settled.
func TestPriorities(t *testing.T) {
	tests := []struct {
		tmpl Template
		text string
		want Intent
	}{
		{Ecommerce, "cancel my order", Cancel},
		{Ecommerce, "where is my order", OrderStatus},
		{Ecommerce, "I want to order", Order},
		{Ecommerce, "How much is shipping to Nakuru?", Delivery},
		{Booking, "Hi, where are you located?", Location},
		{Booking, "Thanks! Can I book for Monday?", Book},
		{Booking, "reschedule my booking", Reschedule},
		{Support, "the app won't open", Problem},
		{Booking, "are you open on sunday", Hours},
		{Ecommerce, "I was charged twice", Refund},
		{Ecommerce, "I have paid", Payment},
		{Booking, "no problem, thanks", Thanks},
		{Booking, "Hakuna shida, asante", Thanks},
		{Support, "Nataka kuripoti tatizo la mtandao", Problem},
		{Support, "I reported a problem last week, any update?", OrderStatus},
		{Booking, "Can I come Monday or Tuesday?", Book},
		{Booking, "I'm free between 2 and 4 tomorrow, can you book me?", Book},
		{Booking, "Naweza kuja Jumatatu au Jumanne?", Book},
		{Booking, "can we do 3pm instead of 2pm?", Reschedule},
		{Booking, "I can't make Monday, can we do Wednesday?", Reschedule},
	}
	for _, tt := range tests {
		if got := Reply(tt.text, Config{Template: tt.tmpl}).Intent; got != tt.want {
			t.Errorf("%s %q: got %s, want %s", tt.tmpl, tt.text, got, tt.want)
		}
	}
}

// TestNormalisation checks that case, punctuation, repeated letters, emoji,
// misspellings and Sheng spellings do not change the intent.
func TestNormalisation(t *testing.T) {
	tests := []struct {
		text string
		want Intent
	}{
		{"HELLOOOO!!!", Greeting},
		{"hiiiii 👋👋", Greeting},
		{"🙏🙏", Thanks},
		{"asanteeee sanaaa", Thanks},
		{"thnks", Thanks},
		{"I want to make an apointment", Book},
		{"cancle my booking", Cancel},
		{"pls cancell", Cancel},
		{"wat is the prise?", Price},
		{"Nataka ku-book kesho", Book},
		{"nataka kubook", Book},
		{"oda yangu iko wapi", OrderStatus},
		{"Do you do delivery?", Delivery},
		{"Mnafanya delivery?", Delivery},
		{"tafadhali nisaidie, simu haiwaki!!!", Problem},
		{"m-pesa payment", Payment},
		{"CAN I RESCHEDULE", Reschedule},
		{"where r u located", Location},
	}
	for _, tt := range tests {
		if got := Reply(tt.text, Config{Template: Booking}).Intent; got != tt.want {
			t.Errorf("%q: got %s, want %s", tt.text, got, tt.want)
		}
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Can't STOP!!", "cant stop"},
		{"ku-book M-Pesa", "kubook mpesa"},
		{"tomorrow's 10:30am", "tomorrow 10:30 am"},
		{"12/3/2026 3.30 12-03", "12/3/2026 3.30 12-03"},
		{"hi👋there", "hi 👋 there"},
		{"\xff\xfehello\x00", "hello"},
		{"Ça va? Jérôme", "ça va jérôme"},
	}
	for _, tt := range tests {
		var words []string
		for _, tok := range tokenize(tt.in, nil) {
			words = append(words, tok.text)
		}
		if got := strings.Join(words, " "); got != tt.want {
			t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
