package templates

import (
	"strings"
	"sync"
)

// intentID indexes score arrays; the order matches allIntents.
type intentID uint8

const (
	iGreeting intentID = iota
	iThanks
	iHours
	iLocation
	iHuman
	iPrice
	iBook
	iReschedule
	iCancel
	iOrder
	iOrderStatus
	iDelivery
	iPayment
	iRefund
	iProblem
	iUnknown
	numIntents
)

// langID is the language a word is evidence for.
type langID uint8

const (
	lNone langID = iota
	lEn
	lSw
)

// flag marks a concept a word stands for. The scoring rules in classify.go
// combine concepts ("where" + an order noun → order status).
type flag uint64

const (
	fWhere     flag = 1 << iota // where, wapi
	fWhenQ                      // when, lini
	fOrderNoun                  // order, oda, package, mzigo, ticket
	fBookNoun                   // appointment, booking, miadi, slot
	fMoney                      // money, pesa, shillings
	fPrice                      // price, cost, bei
	fWant                       // want, need, would like, nataka, naomba
	fMy                         // my, yangu
	fNeg                        // not, don't, and Swahili negative verbs
	fArrive                     // arrive, receive, fika, pokea
	fFunction                   // work, open, turn on, log in, connect, waka
	fOpen                       // open/close/wazi (business hours words)
	fPerson                     // person, agent, mtu, mhudumu
	fTalk                       // talk, speak, ongea
	fCall                       // call, phone (as a verb), piga simu
	fChange                     // change, move, badilisha, sogeza
	fProduct                    // a thing a shop sells, size, colour
	fStatus                     // status, update, track
	fDelivery                   // deliver, shipping, leta
	fTime                       // time, day, date, muda, siku
	fCome                       // come, visit, kuja
	fInstead                    // instead, badala
	fSend                       // send, tuma
	fBack                       // back, return, rudi
	fTwice                      // twice, double, mara mbili
	fCharge                     // charged, katwa
	fPast                       // a past or perfect verb form
	fNotYet                     // yet, still, bado, sija-
	fFit                        // fit, tosha
	fPay                        // pay, lipa
	fBuy                        // buy, order (verb), agiza, nunua
	fCaseNoun                   // problem, issue, tatizo: what a support ticket is about
	fReported                   // reported: something raised before
	fReport                     // report, ripoti (past forms mean fReported)
	fService                    // a service a booking business offers: haircut, massage
	fDevice                     // a thing that can fail: internet, app, phone, account
	fDown                       // down, off, slow, chini: a device not at its best
	fWork                       // work, fanya kazi (also a business working hours)
	fQty                        // a quantity word: two, pair, mbili, jozi
	fGet                        // get, take, have, nipe, mna: wanting a thing
	fThis                       // this, that, hii, hiyo: pointing at a product
	fPlace                      // a town or neighbourhood name
	fTo                         // to, hadi, mpaka
	fAvail                      // free, available: a slot being open
	fQuestion                   // the message asks a question (has a "?")
	fHow                        // how: Swahili -je (nitafikaje), "how do I"
	fYourPlace                  // kwenu, your place: where the business is
	fMistake                    // by mistake, kimakosa
	fShopNoun                   // shop, store, office, branch, duka: a place of business
	fLater                      // later, earlier, baadaye: a shift when said of a time unit
	fClose                      // close, funga: shutting (hours, or an account)
	fWho                        // who, nani
	fTwoWhen                    // two different days or times are mentioned
)

// entry is what the classifier knows about one word or phrase.
type entry struct {
	lemma string
	lang  langID
	lw    float32 // weight as evidence for lang
	flags flag
	w     [numIntents]float32
}

// iw is an intent weight in a lexicon definition.
type iw struct {
	i intentID
	w float32
}

// lexicon is built once, on first use, and never modified afterwards.
type lexicon struct {
	words    map[string]*entry
	phrases  map[[2]string]*entry // adjacent, or with one word between
	trigrams map[[3]string]*entry // three adjacent words
	roots    trie                 // Swahili verb roots (final vowel removed)
	fuzzy    map[string]*entry    // one-letter deletions of longer words; nil value = ambiguous
}

var theLexicon = sync.OnceValue(buildLexicon)

type builder struct{ lx *lexicon }

// add defines forms (space-separated) with the given language evidence,
// concept flags and intent weights. A form defined twice merges: flags are
// joined, weights add up, and the stronger language evidence wins.
func (b builder) add(forms string, lang langID, lw float32, fl flag, ws ...iw) {
	for _, f := range strings.Fields(forms) {
		b.addOne(f, f, lang, lw, fl, ws)
	}
}

func (b builder) addOne(form, lemma string, lang langID, lw float32, fl flag, ws []iw) *entry {
	e := b.lx.words[form]
	if e == nil {
		e = &entry{lemma: lemma}
		b.lx.words[form] = e
	}
	mergeEntry(e, lang, lw, fl, ws)
	return e
}

func mergeEntry(e *entry, lang langID, lw float32, fl flag, ws []iw) {
	if lw > e.lw || e.lang == lNone {
		if lang != lNone {
			e.lang, e.lw = lang, lw
		}
	}
	e.flags |= fl
	for _, x := range ws {
		e.w[x.i] += x.w
	}
}

// neutral marks forms (already defined) as evidence for neither language:
// borrowings such as "delivery" or "book" that Swahili speakers use as is.
func (b builder) neutral(forms string) {
	for _, f := range strings.Fields(forms) {
		e := b.lx.words[f]
		if e == nil {
			panic("templates: neutral of undefined word " + f)
		}
		e.lang, e.lw = lNone, 0
	}
}

// alias makes each of forms mean the same as target, sharing its entry.
func (b builder) alias(target, forms string) {
	e := b.lx.words[target]
	if e == nil {
		panic("templates: alias of undefined word " + target)
	}
	for _, f := range strings.Fields(forms) {
		if old := b.lx.words[f]; old != nil && old != e {
			panic("templates: alias redefines " + f)
		}
		b.lx.words[f] = e
	}
}

// phrase defines a two- or three-word phrase, written with spaces, matched on
// word lemmas. Two-word phrases also match with one word between them
// ("money back" in "my money back please" needs no gap; "changed mind" in
// "changed my mind" does).
func (b builder) phrase(p string, lang langID, lw float32, fl flag, ws ...iw) {
	parts := strings.Fields(p)
	var e *entry
	switch len(parts) {
	case 2:
		k := [2]string{parts[0], parts[1]}
		if e = b.lx.phrases[k]; e == nil {
			e = &entry{lemma: p}
			b.lx.phrases[k] = e
		}
	case 3:
		k := [3]string{parts[0], parts[1], parts[2]}
		if e = b.lx.trigrams[k]; e == nil {
			e = &entry{lemma: p}
			b.lx.trigrams[k] = e
		}
	default:
		panic("templates: phrase must have two or three words: " + p)
	}
	mergeEntry(e, lang, lw, fl, ws)
}

// verb defines a Swahili verb by its dictionary form (kuweka → "weka") with
// its meaning. The root (without the final vowel) goes into the root trie so
// inflected forms are recognised: ni-na-weka, tu-me-weka, ku-weka,
// a-li-ni-wekea, ha-i-wek-i. The dictionary form itself is added as a word.
func (b builder) verb(forms string, fl flag, ws ...iw) {
	for _, f := range strings.Fields(forms) {
		e := b.addOne(f, f, lSw, 2, fl, ws)
		root := f[:len(f)-1]
		if len(root) < 3 {
			panic("templates: Swahili verb root too short: " + f)
		}
		b.lx.roots.insert(root, e)
	}
}

// verbRoot adds a Swahili verb root to the trie only, for verbs whose
// dictionary form is also another word ("katika" is also "in").
func (b builder) verbRoot(root, lemma string, fl flag, ws ...iw) {
	e := &entry{lemma: lemma}
	mergeEntry(e, lSw, 2, fl, ws)
	b.lx.roots.insert(root, e)
}

// The weight helpers keep the lexicon tables short.
func w(i intentID, v float32) iw { return iw{i, v} }

// trie is a byte trie over a–z used for Swahili verb roots.
type trie struct{ nodes []trieNode }

type trieNode struct {
	next [26]int32
	val  *entry
}

func (t *trie) insert(s string, e *entry) {
	if len(t.nodes) == 0 {
		t.nodes = append(t.nodes, trieNode{})
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] - 'a'
		if c >= 26 {
			panic("templates: root must be a–z: " + s)
		}
		nx := t.nodes[n].next[c]
		if nx == 0 {
			t.nodes = append(t.nodes, trieNode{})
			nx = int32(len(t.nodes) - 1)
			t.nodes[n].next[c] = nx
		}
		n = int(nx)
	}
	if t.nodes[n].val != nil && t.nodes[n].val != e {
		panic("templates: duplicate Swahili root " + s)
	}
	t.nodes[n].val = e
}

// longestRoot returns the longest root at the start of s that is followed
// by a plausible verb ending (see validEnding), and its length.
func (t *trie) longestRoot(s string) (*entry, int) {
	if len(t.nodes) == 0 {
		return nil, 0
	}
	var best *entry
	bestLen := 0
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] - 'a'
		if c >= 26 {
			break
		}
		nx := t.nodes[n].next[c]
		if nx == 0 {
			break
		}
		n = int(nx)
		if v := t.nodes[n].val; v != nil && validEnding(s[i+1:]) {
			best, bestLen = v, i+1
		}
	}
	return best, bestLen
}

// validEnding reports whether s can follow a verb root: a short run of
// letters ending in a vowel (-a, -e, -i, -wa, -iwa, -ika, -ieni, -je ...).
func validEnding(s string) bool {
	if len(s) == 0 || len(s) > 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return isVowel(s[len(s)-1])
}

func isVowel(c byte) bool { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' }

// buildFuzzy indexes every one-letter deletion of each word of five or more
// letters, so a typo of one letter (missing, extra, wrong, or two letters
// swapped) can be matched without scanning the lexicon.
func (lx *lexicon) buildFuzzy() {
	lx.fuzzy = make(map[string]*entry, len(lx.words)*6)
	var buf []byte
	for form, e := range lx.words {
		// Only words that mean something are typo targets: "correcting" an
		// unknown word into a grammar word would only lose information.
		if len(form) < 5 || !isASCIIWord(form) || !isContent(e) {
			continue
		}
		for i := 0; i < len(form); i++ {
			buf = append(append(buf[:0], form[:i]...), form[i+1:]...)
			k := string(buf)
			if old, ok := lx.fuzzy[k]; ok && old != e {
				lx.fuzzy[k] = nil // two words share this deletion: ambiguous
				continue
			}
			lx.fuzzy[k] = e
		}
	}
	// A deletion that is itself a word is never treated as a typo target.
	for k := range lx.fuzzy {
		if _, ok := lx.words[k]; ok {
			delete(lx.fuzzy, k)
		}
	}
}

func isASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}
