package templates

import (
	"strings"
	"testing"
)

func TestRateLimitNoticeLanguage(t *testing.T) {
	if sw := RateLimitNotice(Swahili); !strings.HasPrefix(sw, "Asante") {
		t.Errorf("Swahili notice: %q", sw)
	}
	for _, l := range []Language{English, Auto, ""} {
		if en := RateLimitNotice(l); !strings.HasPrefix(en, "Thanks") {
			t.Errorf("notice for %q: %q", l, en)
		}
	}
}
