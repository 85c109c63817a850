package templates

// analysis is the evidence gathered from one message.
type analysis struct {
	score  [numIntents]float32
	flags  flag
	en, sw float32 // language evidence
}

// maxDistinct bounds the memory of entries already counted; a word repeated
// in a message counts once ("cancel cancel cancel" is no more a cancel).
const maxDistinct = 96

// analyse gathers evidence from toks.
func (lx *lexicon) analyseTokens(toks []token, hits []hit) analysis {
	var a analysis
	var seenArr [maxDistinct]*entry
	seen := seenArr[:0]
	count := func(e *entry, extra flag) {
		a.flags |= e.flags | extra
		for _, s := range seen {
			if s == e {
				return
			}
		}
		if len(seen) < maxDistinct {
			seen = append(seen, e)
		}
		for i, v := range e.w {
			a.score[i] += v
		}
	}

	for i, t := range toks {
		if t.kind != tkWord {
			hits[i] = hit{}
			// "3 packets", "2 of these": a count before a word.
			if t.kind == tkNumber && len(t.text) <= 3 && i+1 < len(toks) && toks[i+1].kind == tkWord && !toks[i+1].glued {
				a.flags |= fQty
			}
			continue
		}
		h := lx.analyse(t.text)
		hits[i] = h
		switch {
		case h.swGrammar:
			a.sw += 2
		case h.e != nil:
			switch h.e.lang {
			case lEn:
				a.en += h.e.lw
			case lSw:
				a.sw += h.e.lw
			}
		default:
			en, sw := guessLanguage(t.text)
			a.en += en
			a.sw += sw
		}
		if h.e != nil {
			count(h.e, h.flags)
		}
	}

	// Phrases, on lemmas: adjacent pairs, pairs with one word between, and
	// adjacent triples.
	for i := range toks {
		if toks[i].kind != tkWord {
			continue
		}
		l0 := hits[i].lemma(toks[i].text)
		for gap := 1; gap <= 2 && i+gap < len(toks); gap++ {
			if toks[i+gap].kind != tkWord {
				break
			}
			if e := lx.phrases[[2]string{l0, hits[i+gap].lemma(toks[i+gap].text)}]; e != nil {
				count(e, 0)
			}
		}
		if i+2 < len(toks) && toks[i+1].kind == tkWord && toks[i+2].kind == tkWord {
			k := [3]string{l0, hits[i+1].lemma(toks[i+1].text), hits[i+2].lemma(toks[i+2].text)}
			if e := lx.trigrams[k]; e != nil {
				count(e, 0)
			}
		}
	}
	return a
}

// guessLanguage weighs an unknown word by its shape: Swahili words are
// built of open syllables and end in a vowel; most English words do not.
func guessLanguage(w string) (en, sw float32) {
	if len(w) < 3 || !isASCIIWord(w) {
		return 0, 0
	}
	if !isVowel(w[len(w)-1]) {
		return 0.5, 0
	}
	// Open syllables: no two consonants in a row except the Swahili
	// clusters (ch, sh, ny, ng, mb, nd, nj, nz, mw, kw, ...).
	for i := 1; i < len(w); i++ {
		if isVowel(w[i]) || isVowel(w[i-1]) {
			continue
		}
		switch w[i-1 : i+1] {
		case "ch", "sh", "ny", "ng", "mb", "nd", "nj", "nz", "mw", "kw", "gw", "th", "dh", "gh", "mv", "nv", "ns", "nt", "mp", "nk", "nc":
			continue
		}
		return 0, 0
	}
	return 0, 0.4
}

// scoreRules adds the evidence that comes from concepts appearing together.
func scoreRules(a *analysis, when When, tmpl Template) {
	s, f := &a.score, a.flags
	has := func(x flag) bool { return f&x != 0 }
	hasWhen := !when.IsZero()
	hasClock := when.Time != ""
	question := has(fQuestion)

	// "my delivery" is an order already placed.
	orderNoun := has(fOrderNoun) || has(fMy) && has(fDelivery)
	// Arrival asked about or denied ("has it arrived?", "haujafika"), as
	// opposed to reported ("nimepokea mzigo": I have received the parcel).
	arrivalAsked := has(fArrive) && (has(fNeg|fNotYet) || question || !has(fPast))

	// Where / when / arrival / status about an order, parcel or ticket.
	if orderNoun && (has(fWhere|fWhenQ|fStatus|fNotYet) || arrivalAsked) {
		s[iOrderStatus] += 3
		if has(fWhere) {
			s[iLocation] -= 2
		}
		if has(fDelivery) {
			s[iDelivery] -= 1.5
		}
	}
	if orderNoun && has(fMy) {
		s[iOrderStatus] += 1
	}
	// "Is my booking confirmed?": the status of a booking already made.
	if has(fBookNoun) && has(fMy) && has(fStatus) {
		s[iOrderStatus] += 3
		s[iBook] -= 1.5
	}
	// "umefika wapi", "has it reached": arrival + where is a status question.
	if has(fArrive) && has(fWhere) {
		s[iOrderStatus] += 2.5
		s[iLocation] -= 1.5
	}
	// "nitafikaje kwenu?", "how do I get to your place": directions.
	if has(fArrive) && has(fHow|fYourPlace) && !orderNoun {
		s[iLocation] += 3
		s[iOrderStatus] -= 1
	}
	if has(fArrive) && !arrivalAsked && !has(fWhere|fWhenQ|fStatus) {
		s[iOrderStatus] -= 1.5 // "nimepokea mzigo": a receipt, not a question
	}
	// A status question about a problem raised before: "any update on my
	// issue?", "tatizo langu limefikia wapi?".
	reported := has(fReported) || has(fReport) && has(fPast)
	if has(fCaseNoun) && (has(fStatus|fWhenQ) || reported || has(fArrive) && has(fWhere) || has(fNeg) && has(fNotYet)) {
		s[iOrderStatus] += 2.5
		s[iProblem] -= 1.5
	}
	// "I ordered last week", "nimeagiza", "simu niliyonunua": a purchase
	// already made is context, not a new order.
	if has(fBuy) && has(fPast) {
		s[iOrder] -= 2
		if has(fOrderNoun | fArrive | fNotYet | fWhere) {
			s[iOrderStatus] += 1.5
		}
		// "The item is not what I ordered": the wrong thing came.
		if has(fNeg) && has(fProduct) && !has(fArrive) {
			s[iRefund] += 3
			s[iOrderStatus] -= 1.5
		}
	}

	// Something that should work does not: "won't open", "haifanyi kazi",
	// "no signal", "the app is down", "akaunti imefungwa".
	if has(fNeg) && has(fFunction) {
		s[iProblem] += 4
		if has(fOpen) {
			s[iHours] -= 3
		}
	}
	if has(fDevice) {
		switch {
		case has(fNeg) && !has(fFunction):
			s[iProblem] += 2.5
		case has(fDown):
			s[iProblem] += 2
		case has(fOpen):
			s[iProblem] += 3
			s[iHours] -= 2.5
		}
	}
	// "Do you work on Sundays?", "mnafanya kazi saa ngapi?"
	if has(fWork) && !has(fNeg) && !has(fDevice) && (hasWhen || has(fTime|fWhenQ)) {
		s[iHours] += 2.5
	}

	// Calls that fail are a fault, not a request for a call.
	if has(fNeg) && has(fCall) {
		s[iProblem] += 3
		s[iHuman] -= 2
	}

	// Cancelling: "I can't come", "sitaweza kuja", "can't make it", "I don't
	// want the order".
	if has(fNeg) && has(fCome) && !has(fWhere) {
		s[iCancel] += 2.5
		s[iBook] -= 1
	}
	if has(fNeg) && has(fWant) && (orderNoun || has(fBookNoun)) {
		s[iCancel] += 3
	}
	// Two different days or times ("I can't make Monday, can we do
	// Wednesday?", "saa kumi badala ya saa tisa") is a change of time.
	if has(fTwoWhen) && !has(fPrice|fAvail) {
		s[iReschedule] += 2.5
		s[iCancel] -= 1.5
	}
	cancelling := s[iCancel] >= 2.5

	// Change + appointment / time → reschedule (the appointment named is
	// the existing one and the day is the new slot, not a new booking);
	// change + product → exchange.
	changing := has(fChange) && (has(fBookNoun|fTime) || hasWhen) ||
		has(fInstead) && (has(fTime) || hasWhen) || has(fTwoWhen) ||
		has(fLater) && has(fTime) // "an hour later", "saa moja baadaye"
	switch {
	case changing:
		s[iReschedule] += 3
		s[iBook] -= 1.5
	case has(fChange) && has(fProduct|fThis|fFit):
		s[iRefund] += 2.5
		s[iReschedule] -= 1
	case cancelling:
		if has(fBookNoun) {
			s[iBook] -= 1.5 // "cancel my booking": not a new booking
		}
		if orderNoun {
			s[iOrder] -= 1.5 // "stop my order": the order exists
		}
	case hasWhen:
		// A day or time with a booking word, a service, coming, wanting,
		// or asking whether a slot is free.
		if has(fBookNoun | fService | fAvail) {
			s[iBook] += 1.5
		}
		if has(fCome) && !has(fNeg) {
			s[iBook] += 1.5
		}
		if has(fWant) {
			s[iBook] += 0.5
		}
		// A bare clock time to a booking business is most likely a booking.
		if hasClock && tmpl == Booking {
			s[iBook] += 1.5
		}
	}
	// Wanting a service from a booking business is a booking.
	if tmpl == Booking && has(fService) && has(fWant|fCome|fGet) && !cancelling && !changing {
		s[iBook] += 1.5
	}

	// "I'd like three of the green mugs": wanting a number of something.
	if has(fWant) && has(fQty) && !has(fBookNoun) && !cancelling && !changing {
		s[iOrder] += 1.5
	}

	// Wanting, getting or counting a product is an order, unless the
	// product is being returned, exchanged or cancelled.
	// Asking the price of a product is not ordering it, unless a buying
	// word says so.
	returning := s[iRefund] >= 2.5 || cancelling || has(fBack|fChange)
	if !returning && (!has(fPrice) || has(fBuy)) {
		if has(fProduct) && has(fWant|fGet|fQty) || has(fGet) && has(fQty) ||
			has(fThis) && countFlags(f, fWant|fGet|fSend|fQty) >= 2 {
			s[iOrder] += 1.5
		}
		// "Is this available in size 40?": stock, not opening hours.
		if has(fAvail) && has(fProduct) {
			s[iOrder] += 2
			s[iHours] -= 2
		}
		if tmpl == Ecommerce && has(fThis) && has(fWant) {
			s[iOrder] += 1
		}
	}

	// A delivery question that mentions price is about the delivery fee;
	// sending to a town is delivery.
	if has(fDelivery) && (has(fPrice) || s[iPrice] >= 2.5) {
		s[iDelivery] += 2
	}
	if has(fPlace) && !has(fShopNoun) && (has(fSend) || has(fTo) && !has(fWhere)) {
		s[iDelivery] += 2.5
		if has(fPrice) || s[iPrice] >= 2.5 {
			s[iDelivery] += 2 // "mnatuma hadi Kisumu kwa bei gani?": the fee
		}
	}
	// "Do you have a shop in Nairobi?"
	if has(fShopNoun) && has(fPlace) {
		s[iLocation] += 2.5
	}

	if has(fTalk) && has(fPerson) {
		s[iHuman] += 2
	}
	// "pay on delivery", "lipa ukifika": how to pay, unless asking a price.
	if has(fPay) && has(fDelivery) && !has(fPrice) {
		s[iPayment] += 1.5
	}
	if has(fCharge) && has(fMistake) {
		s[iRefund] += 2.5
	}
	if has(fSend) && has(fMoney) {
		s[iPayment] += 2.5
	}
	if has(fPay) && has(fPast) {
		s[iPayment] += 0.5
	}
	// Money back: "I want my money back", "nirudishie pesa", "I paid the
	// deposit but want it back", "charged twice".
	if has(fBack) && (has(fMoney) || has(fPay) && has(fPast)) {
		s[iRefund] += 3
		if has(fWant) {
			s[iRefund] += 1
		}
		s[iPayment] -= 2 // the payment is the context, not the question
	}
	if has(fCharge) && (has(fTwice) || has(fPast) && has(fBack)) {
		s[iRefund] += 3.5
	}
	if has(fTwice) && has(fMoney|fPay) {
		s[iRefund] += 3
		s[iPayment] -= 1.5
	}
	// "I was billed for a month I didn't use": a charge disputed.
	if has(fCharge) && has(fPast) && has(fNeg) {
		s[iRefund] += 2.5
		s[iPayment] -= 1
	}
	// "When can I reach customer care?": when people are there.
	if has(fWhenQ) && has(fPerson) && !has(fCall) {
		s[iHours] += 2.5
		s[iHuman] -= 1
	}
	// "I'd like to close my account", "funga akaunti yangu".
	if has(fClose) && has(fDevice) && has(fMy) && !has(fPast|fNeg) {
		s[iCancel] += 4
		s[iProblem] -= 3
		s[iHours] -= 2.5
	}
	// "Who am I talking to?", "is this a bot?"
	if has(fWho) && has(fTalk) {
		s[iHuman] += 2.5
	}
	// "Do you have a shop I can visit?"
	if has(fShopNoun) && has(fCome) && !hasWhen {
		s[iLocation] += 2
	}
	if has(fNeg) && has(fFit) || has(fFit) && has(fBack) {
		s[iRefund] += 2
	}
	if has(fSend) && has(fProduct) {
		s[iOrder] += 1.5
	}
}

// templateBias nudges near-ties toward what each kind of business hears most.
func templateBias(t Template) [numIntents]float32 {
	switch t {
	case Ecommerce:
		return [numIntents]float32{iOrder: 0.3, iDelivery: 0.2, iOrderStatus: 0.2, iRefund: 0.1, iPrice: 0.1}
	case Support:
		return [numIntents]float32{iProblem: 0.3, iHuman: 0.2, iOrderStatus: 0.1}
	}
	return [numIntents]float32{iBook: 0.3, iReschedule: 0.2, iCancel: 0.1, iPrice: 0.1}
}

// tiePriority orders intents for equal scores: the more specific request first.
var tiePriority = [...]intentID{
	iCancel, iReschedule, iRefund, iOrderStatus, iProblem, iHuman, iPayment,
	iDelivery, iBook, iOrder, iPrice, iHours, iLocation, iThanks, iGreeting,
}

// Thresholds for choosing an intent.
const (
	minScore = 1.5 // below this, evidence for an intent is too weak
)

// decide picks the intent with the strongest evidence. Greetings and thanks
// lose to any real request in the same message ("Hi, where are you?" is a
// location question).
func decide(a *analysis, tmpl Template) intentID {
	bias := templateBias(tmpl)
	for i := range a.score {
		if a.score[i] > 0 {
			a.score[i] += bias[i]
		}
	}
	best, bestScore := iUnknown, float32(0)
	for _, i := range tiePriority {
		if i == iGreeting || i == iThanks {
			continue
		}
		if a.score[i] > bestScore {
			best, bestScore = i, a.score[i]
		}
	}
	social, socialScore := iGreeting, a.score[iGreeting]
	if a.score[iThanks] >= socialScore {
		social, socialScore = iThanks, a.score[iThanks]
	}
	switch {
	case bestScore >= minScore && bestScore >= 0.5*socialScore:
		return best
	case socialScore >= minScore:
		return social
	}
	return iUnknown
}

// detectLanguage returns the language the customer wrote in. Swahili wins
// a tie when there is any Swahili grammar (mixed messages); with no
// evidence at all it is English.
func detectLanguage(a *analysis) Language {
	if a.sw > 0 && a.sw >= a.en {
		return Swahili
	}
	return English
}

// countFlags counts how many of the flags in want are set in f.
func countFlags(f, want flag) int {
	n := 0
	for x := f & want; x != 0; x &= x - 1 {
		n++
	}
	return n
}
