package templates

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Reply's scratch arrays are pooled: calls from many goroutines at once,
// on messages of every length, must give exactly what one call alone does.
func TestReplyConcurrentCallsAgree(t *testing.T) {
	texts := []string{
		"Habari, nataka kubook appointment kesho saa tatu asubuhi",
		"hi what time do you open tomorrow?",
		"Nimeagiza viatu jana, vitafika lini?",
		"I want to cancel my order please",
		"😡😡 my payment failed twice",
		strings.Repeat("book a table for friday at 7pm and ", 40),
		"",
	}
	cfg := Config{Template: Booking, Language: Auto, Business: "Mama Ntilie"}
	want := make([]Result, len(texts))
	for i, text := range texts {
		want[i] = Reply(text, cfg)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for n := range 300 {
				i := (g + n) % len(texts)
				if got := Reply(texts[i], cfg); fmt.Sprint(got) != fmt.Sprint(want[i]) {
					errs <- fmt.Errorf("message %d: got %+v, want %+v", i, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
