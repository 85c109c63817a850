package templates

// buildLexicon defines the classifier's vocabulary: English and Swahili
// (with Sheng and common borrowings) words and phrases, each with the
// concepts it stands for, the intents it is evidence for, and how strongly
// it marks its language. Grammar words weigh 2 as language evidence, other
// words 1, borrowings used in both languages 0.
func buildLexicon() *lexicon {
	lx := &lexicon{
		words:    make(map[string]*entry, 2048),
		phrases:  make(map[[2]string]*entry, 256),
		trigrams: make(map[[3]string]*entry, 32),
	}
	b := builder{lx}
	englishGrammar(b)
	swahiliGrammar(b)
	socialWords(b)
	hoursLocationHuman(b)
	priceAndBooking(b)
	ordersAndDelivery(b)
	paymentRefundProblem(b)
	commonWords(b)
	lx.buildFuzzy()
	return lx
}

func englishGrammar(b builder) {
	b.add("i im ive id me myself we us they them he him his she her it its "+
		"the a an is are am was were be been being do does did done have has had having "+
		"can could will would shall should may might must to of for in on at by with from about "+
		"into onto this that these those there here what which who whom whose why how "+
		"and or but if so just also very too much many some any all more most than then now "+
		"again anything something everything nothing please pls plz kindly sir madam maam "+
		"get got getting let lets want wanted need needed like liked know go going gonna wanna "+
		"okay yes yeah yep sure", lEn, 2, 0)
	b.add("my mine our ours", lEn, 2, fMy)
	b.add("this that these those", lEn, 2, fThis)
	b.add("to", lEn, 2, fTo)
	b.add("you your yours yourself yall", lEn, 2, 0)
	b.alias("you", "u yu")
	b.alias("your", "ur yr")
	b.add("not no never dont doesnt didnt cant cannot wont isnt arent wasnt werent "+
		"havent hasnt hadnt couldnt wouldnt shouldnt aint unable", lEn, 2, fNeg)
	b.add("where wer whr", lEn, 2, fWhere, w(iLocation, 2))
	b.add("when wen", lEn, 2, fWhenQ, w(iHours, 0.5))
	b.add("who", lEn, 2, fWho)
	b.add("want wanna need needed would like liked love interested", lEn, 1, fWant)
	b.add("get getting have take", lEn, 1, fGet)
	b.add("two three four five six seven eight nine ten couple pair pairs dozen", lEn, 1, fQty)
	b.add("ill", lEn, 2, 0) // "I'll"
	// Text-message spellings.
	b.alias("how", "hw hou")
	b.alias("this", "dis")
	b.alias("these", "dese")
	b.alias("those", "dose")
	b.alias("what", "wat wht")
	b.alias("about", "abt")
	b.alias("can", "cn")
	b.alias("would", "wud")
	b.alias("could", "cud")
	b.add("dem", lEn, 2, fThis)
	b.alias("please", "pliz pleas")
	b.alias("are", "r")
	b.add("yet still", lEn, 1, fNotYet, w(iOrderStatus, 0.5))
	b.add("already", lEn, 1, 0)
}

func swahiliGrammar(b builder) {
	b.add("ni na ya wa za la cha vya kwa kwenye katika hii hiyo huu huo hili hilo hizi hizo "+
		"huyu huyo hawa hao ile yule ule lile kile zile vile hapa huko pale hapo humu "+
		"kuna kuwa ndiyo ndio hapana siyo sio si je gani nini nani kama lakini au pia sana tu "+
		"tayari sasa hivi leo kesho jana mimi wewe yeye sisi nyinyi ninyi wao mie "+
		"yako wako lako chako zako vyako kwako yake wake lake chake zake yetu wetu letu chetu "+
		"zetu kwetu yenu wenu lenu chenu zenu kwenu ili hadi mpaka kutoka tangu kila zaidi "+
		"kidogo baada kabla halafu kisha pamoja naye nao nami nawe ndani nje juu chini "+
		"moja mbili tatu nne tano sita saba nane tisa kumi ishirini elfu "+
		"nzuri mzuri vizuri mbaya kubwa ndogo nyingi wengi ipi upi lipi kipi zipi yupi "+
		"yoyote wowote lolote chochote zozote ambayo ambaye ambao ambapo ikiwa endapo "+
		"mwenye wenye yenye zenye chenye lenye penye vyenye yenyewe wenyewe mwenyewe "+
		"iko uko yuko liko kiko ziko viko mko tuko niko nipo upo yupo ipo lipo kipo zipo tupo mpo wapo "+
		"tafadhali tafadhari tafathali plz hebu", lSw, 2, 0)
	b.add("yangu wangu langu changu zangu vyangu kwangu", lSw, 2, fMy)
	b.add("hii hiyo hizi hizo hiki hicho hili hilo huu huo", lSw, 2, fThis)
	b.add("hadi mpaka", lSw, 2, fTo)
	b.add("mbili tatu nne tano sita wawili watatu viwili vitatu mawili matatu jozi", lSw, 2, fQty)
	b.add("mna una", lSw, 2, fGet)
	b.add("hapana hakuna hamna sina huna hana hatuna hawana siyo hauna haina hazina hakina halina "+
		"havina hayana", lSw, 2, fNeg)
	b.add("wapi", lSw, 2, fWhere, w(iLocation, 2))
	b.add("lini", lSw, 2, fWhenQ, w(iHours, 0.5))
	b.add("nani", lSw, 2, fWho)
	b.add("bado", lSw, 2, fNotYet, w(iOrderStatus, 0.7))
	b.add("mko mpo", lSw, 2, 0, w(iLocation, 1))
	b.add("ngapi", lSw, 2, 0, w(iPrice, 1))
	b.add("tena", lSw, 1, 0)
	// Verbs that carry no intent on their own but mark Swahili grammar.
	b.verb("taka hitaji penda omba", fWant)
	b.add("kwenda", lSw, 2, 0)
	b.verb("weza sema fanya enda ambia uliza jibu pata nyesha "+
		"pika lala amka soma andika tumia tafuta saidia elewa anza endelea maliza "+
		"ingia toka ruka shinda kosa ongeza shika itwa tazama angalia", 0)
	b.add("nije tuje waje mje uje kuja", lSw, 2, fCome, w(iBook, 0.3))
}

func socialWords(b builder) {
	// Greetings.
	b.add("hi hello helo hallo hey heya hiya howdy yo greetings", lEn, 1, 0, w(iGreeting, 2.5))
	b.add("morning afternoon evening", lEn, 1, 0, w(iGreeting, 1.5))
	b.add("👋", lNone, 0, 0, w(iGreeting, 2.5))
	b.add("habari", lSw, 2, 0, w(iGreeting, 2.5))
	b.add("mambo niaje niaj naje vipi sema salama hujambo hamjambo jambo sijambo shikamoo "+
		"marahaba salaam salam asalaam assalamu salamu mzima wasup wassup sup", lSw, 2, 0, w(iGreeting, 2.5))
	b.alias("vipi", "vp")
	b.add("sasa", lSw, 2, 0, w(iGreeting, 1.5))
	b.add("shwari buda msee wasee wadau", lSw, 1, 0, w(iGreeting, 1))
	b.phrase("habari kazi", lSw, 2, 0, w(iGreeting, 2), w(iHours, -2))
	b.phrase("anyone there", lEn, 1, 0, w(iGreeting, 1.5), w(iHuman, -1.5))
	b.phrase("anybody there", lEn, 1, 0, w(iGreeting, 1.5), w(iHuman, -1.5))
	b.add("aje", lSw, 2, 0, w(iGreeting, 1.5))
	b.phrase("good morning", lEn, 1, 0, w(iGreeting, 3))
	b.phrase("good afternoon", lEn, 1, 0, w(iGreeting, 3))
	b.phrase("good evening", lEn, 1, 0, w(iGreeting, 3))
	b.phrase("good day", lEn, 1, 0, w(iGreeting, 3))
	b.add("goodmorning goodevening goodafternoon", lEn, 1, 0, w(iGreeting, 3))
	b.phrase("how are you", lEn, 1, 0, w(iGreeting, 2.5))
	b.phrase("whats up", lEn, 1, 0, w(iGreeting, 2.5))
	b.phrase("habari za", lSw, 2, 0, w(iGreeting, 1))
	b.phrase("habari gani", lSw, 2, 0, w(iGreeting, 1))
	b.phrase("uko aje", lSw, 2, 0, w(iGreeting, 2))
	b.phrase("uko poa", lSw, 2, 0, w(iGreeting, 2))

	// Thanks and acknowledgements.
	b.add("thanks thank thx thnx thnks thanx tnx tnks ty tq thankyou thanku "+
		"appreciate appreciated grateful cheers", lEn, 1, 0, w(iThanks, 3.5))
	b.add("🙏 🤝", lNone, 0, 0, w(iThanks, 3))
	b.add("ok okay okey k kk alright cool great noted perfect awesome 👍", lNone, 0, 0, w(iThanks, 1))
	b.add("asante ahsante asanti asanteni ahsanteni shukrani shukran", lSw, 2, 0, w(iThanks, 3.5))
	b.verb("shukuru", 0, w(iThanks, 3.5))
	b.add("poa sawa safi fiti freshi", lSw, 1, 0, w(iThanks, 1), w(iGreeting, 0.5))
	b.verb("barikiwa bariki", 0, w(iThanks, 2))
	b.add("furahi", lSw, 2, 0, w(iThanks, 0.5))
	b.phrase("god bless", lEn, 1, 0, w(iThanks, 2))
	b.phrase("nice one", lEn, 1, 0, w(iThanks, 2))
	b.phrase("well done", lEn, 1, 0, w(iThanks, 2))
	b.phrase("no problem", lEn, 1, 0, w(iThanks, 2), w(iProblem, -3.5))
	b.phrase("hakuna shida", lSw, 2, 0, w(iThanks, 2), w(iProblem, -3))
	b.phrase("hakuna tatizo", lSw, 2, 0, w(iThanks, 2), w(iProblem, -3.5))
	b.phrase("hamna shida", lSw, 2, 0, w(iThanks, 2), w(iProblem, -3))
	b.phrase("bila shida", lSw, 2, 0, w(iThanks, 1), w(iProblem, -3))
	b.add("karibu karibuni", lSw, 2, 0, w(iGreeting, 0.5))
}

func hoursLocationHuman(b builder) {
	// Opening hours.
	b.add("open opened opening opens", lEn, 1, fOpen|fFunction, w(iHours, 3))
	b.add("close closed closing closes", lEn, 1, fOpen|fClose, w(iHours, 2.5))
	b.add("hours", lEn, 1, 0, w(iHours, 3))
	b.add("hour", lEn, 1, fTime, w(iHours, 1))
	b.add("timing timings", lEn, 1, 0, w(iHours, 2))
	b.add("operate operating", lEn, 1, 0, w(iHours, 2))
	b.add("available availability", lEn, 1, fAvail, w(iHours, 2))
	b.add("free", lEn, 1, fAvail)
	b.add("openings", lEn, 1, fBookNoun, w(iBook, 2.5))
	b.add("weekend weekends saturdays sundays", lEn, 1, 0, w(iHours, 1))
	b.add("holiday holidays", lEn, 1, 0, w(iHours, 1.5))
	b.phrase("what time", lEn, 1, fTime, w(iHours, 2))
	b.phrase("working hours", lEn, 1, 0, w(iHours, 3), w(iProblem, -1))
	b.phrase("business hours", lEn, 1, 0, w(iHours, 3))
	b.verb("fungua", fOpen|fFunction, w(iHours, 3))
	b.verb("funga", fOpen|fClose, w(iHours, 2.5))
	b.add("wazi", lSw, 1, fOpen, w(iHours, 2.5))
	b.add("saa", lSw, 1, fTime, w(iHours, 0.3))
	b.phrase("saa ngapi", lSw, 2, fTime, w(iHours, 3), w(iPrice, -1))
	b.phrase("saa za", lSw, 2, 0, w(iHours, 1.5))
	b.phrase("saa za kazi", lSw, 2, 0, w(iHours, 2), w(iProblem, -1))
	b.phrase("siku za kazi", lSw, 2, 0, w(iHours, 2), w(iProblem, -1))
	b.verb("patikana", 0, w(iHours, 1.5), w(iLocation, 1))
	b.add("wikendi sikukuu", lSw, 1, 0, w(iHours, 1.5))
	b.phrase("siku gani", lSw, 2, fTime, w(iHours, 1))

	// Location.
	b.add("location locations located locate situated address directions direction", lEn, 1, 0, w(iLocation, 3))
	b.add("map maps pin landmark nearest branch branches", lEn, 1, 0, w(iLocation, 2))
	b.add("place area building street road town estate mall plaza floor based physical", lEn, 1, 0, w(iLocation, 1.5))
	b.add("near", lEn, 1, 0, w(iLocation, 1))
	b.add("parking", lEn, 1, 0, w(iLocation, 2.5))
	b.add("maegesho", lSw, 1, 0, w(iLocation, 2.5))
	b.add("kwenu", lSw, 2, fYourPlace, w(iLocation, 0.5))
	b.add("upande mjini tao stage", lSw, 1, 0, w(iLocation, 1.5))
	b.phrase("karibu na", lSw, 2, 0, w(iLocation, 1.5))
	b.phrase("your place", lEn, 1, fYourPlace, w(iLocation, 1))
	b.phrase("place order", lEn, 1, 0, w(iLocation, -1.5), w(iOrder, 1.5))
	b.add("office offices", lEn, 1, fShopNoun, w(iLocation, 1))
	b.add("shop store stores shops premises outlet", lEn, 1, fShopNoun, w(iLocation, 0.5))
	b.verb("elekeza elekezea", 0, w(iLocation, 3))
	b.add("find", lEn, 1, 0, w(iLocation, 0.5))
	b.phrase("find you", lEn, 1, 0, w(iLocation, 2.5))
	b.phrase("get there", lEn, 1, 0, w(iLocation, 2.5))
	b.phrase("get to", lEn, 1, 0, w(iLocation, 1))
	b.add("mahali anwani ramani maelekezo eneo", lSw, 1, 0, w(iLocation, 3))
	b.add("sehemu mtaa jengo tawi matawi", lSw, 1, 0, w(iLocation, 1.5))
	b.add("ofisi", lSw, 1, fShopNoun, w(iLocation, 1))
	b.add("duka maduka", lSw, 1, fShopNoun, w(iLocation, 0.5))
	b.add("lokesheni", lSw, 1, 0, w(iLocation, 3))
	b.phrase("jinsi fika", lSw, 2, 0, w(iLocation, 2))

	// A person.
	b.add("human humans person agent agents representative rep manager owner operator "+
		"attendant staff receptionist secretary supervisor admin administrator incharge", lEn, 1, fPerson, w(iHuman, 2.5))
	b.phrase("in charge", lEn, 1, fPerson, w(iHuman, 2.5))
	b.phrase("phone number", lEn, 1, 0, w(iHuman, 1.5))
	b.phrase("namba simu", lSw, 2, 0, w(iHuman, 1.5))
	b.phrase("mwenye duka", lSw, 2, fPerson, w(iHuman, 3))
	b.phrase("mwenye biashara", lSw, 2, fPerson, w(iHuman, 3))
	b.add("mhusika wahusika mmiliki wamiliki", lSw, 1, fPerson, w(iHuman, 3))
	b.add("someone somebody anyone anybody", lEn, 1, fPerson, w(iHuman, 1.5))
	b.add("people", lEn, 1, 0, w(iHuman, 0.5))
	b.add("bot robot machine automated", lEn, 1, 0, w(iHuman, 1.5))
	b.add("real live actual", lEn, 1, 0, w(iHuman, 0.7))
	b.add("talk speak chat", lEn, 1, fTalk, w(iHuman, 1.2))
	b.add("call calls callback", lEn, 1, fCall, w(iHuman, 1.5))
	b.add("contact reach", lEn, 1, 0, w(iHuman, 1))
	b.phrase("call me", lEn, 1, 0, w(iHuman, 2))
	b.phrase("call back", lEn, 1, 0, w(iHuman, 2))
	b.phrase("phone me", lEn, 1, 0, w(iHuman, 3))
	b.phrase("ring me", lEn, 1, 0, w(iHuman, 3))
	b.phrase("customer care", lEn, 1, fPerson, w(iHuman, 2.5))
	b.phrase("customer service", lEn, 1, fPerson, w(iHuman, 2.5))
	b.add("mtu", lSw, 1, fPerson, w(iHuman, 2))
	b.add("binadamu mhudumu wahudumu mfanyakazi wafanyakazi wakala mawakala meneja "+
		"msimamizi mkubwa", lSw, 1, fPerson, w(iHuman, 2.5))
	b.add("watu", lSw, 1, 0, w(iHuman, 0.3))
	b.add("halisi", lSw, 1, 0, w(iHuman, 0.7))
	b.add("roboti", lSw, 1, 0, w(iHuman, 1.5))
	b.verb("ongea ongelea zungumza", fTalk, w(iHuman, 1.2))
	b.verb("wasiliana", 0, w(iHuman, 1.5))
	b.verb("piga pigia", fCall, w(iHuman, 1.5))
	b.phrase("piga simu", lSw, 2, 0, w(iHuman, 2))
	b.phrase("pigia simu", lSw, 2, 0, w(iHuman, 2))
	b.phrase("huduma wateja", lSw, 2, fPerson, w(iHuman, 1.5))
}

func priceAndBooking(b builder) {
	// Price.
	b.add("price prices pricing cost costs costing", lEn, 1, fPrice, w(iPrice, 3.5))
	b.add("charge charges", lEn, 1, fPrice|fCharge, w(iPrice, 2))
	b.add("fee fees rate rates quote quotation", lEn, 1, fPrice, w(iPrice, 2.5))
	b.add("expensive cheap cheaper cheapest affordable budget worth", lEn, 1, fPrice, w(iPrice, 1.5))
	b.add("discount discounts offer offers deal deals", lEn, 1, fPrice, w(iPrice, 2.5))
	b.phrase("how much", lEn, 1, fPrice, w(iPrice, 3))
	b.phrase("price list", lEn, 1, 0, w(iPrice, 1))
	b.add("money shillings shilling bob ksh kes kshs shs tsh tzs ugx usd dollars", lNone, 0, fMoney, w(iPrice, 0.3))
	b.add("bei gharama", lSw, 1, fPrice, w(iPrice, 3.5))
	b.add("ghali rahisi punguzo", lSw, 1, fPrice, w(iPrice, 1.5))
	b.add("pesa hela shilingi shillingi elfu mia", lSw, 1, fMoney, w(iPrice, 0.3))
	b.verbRoot("chaj", "chaji", fPrice, w(iPrice, 2.5))
	b.add("chaji", lSw, 1, fDevice)
	b.add("inauzwa zinauzwa unauza mnauza unauzaje inauzwaje mnauzaje kuuza", lSw, 2, fPrice, w(iPrice, 2.5), w(iOrder, 0.5))
	b.phrase("pesa ngapi", lSw, 2, 0, w(iPrice, 3))
	b.phrase("shilingi ngapi", lSw, 2, 0, w(iPrice, 3))
	b.phrase("ni ngapi", lSw, 2, 0, w(iPrice, 1))
	b.phrase("kiasi gani", lSw, 2, 0, w(iPrice, 3))
	b.phrase("enda aje", lSw, 2, fPrice, w(iPrice, 3), w(iGreeting, -1.5))
	b.phrase("ni aje", lSw, 2, 0, w(iPrice, 0.5))
	b.phrase("bei gani", lSw, 2, 0, w(iPrice, 0.5))

	// Booking.
	b.add("book", lEn, 1, fBookNoun, w(iBook, 3))
	b.add("booking bookings", lEn, 1, fBookNoun, w(iBook, 2))
	b.add("appointment appointments appt appts reservation reservations", lEn, 1, fBookNoun, w(iBook, 2.5))
	b.add("reserve schedule", lEn, 1, fBookNoun, w(iBook, 3))
	b.add("slot slots spot session", lEn, 1, fBookNoun, w(iBook, 2))
	b.add("space", lEn, 1, fBookNoun, w(iBook, 0.7))
	b.add("come", lEn, 1, fCome, w(iBook, 0.5))
	b.add("expect", lEn, 1, fCome)
	b.phrase("in person", lEn, 1, fCome, w(iHuman, -2.5))
	b.add("came", lEn, 1, fCome|fPast)
	b.add("visit", lEn, 1, fCome, w(iBook, 1))
	b.phrase("come in", lEn, 1, 0, w(iBook, 1))
	b.phrase("fit in", lEn, 1, 0, w(iBook, 2))
	b.phrase("squeeze in", lEn, 1, 0, w(iBook, 2))
	b.phrase("have time", lEn, 1, fAvail, w(iBook, 1))
	b.phrase("time for", lEn, 1, fAvail, w(iBook, 0.5))
	b.phrase("drop by", lEn, 1, fCome, w(iBook, 1))
	b.phrase("pass by", lEn, 1, fCome, w(iBook, 1))
	b.phrase("come through", lEn, 1, fCome, w(iBook, 1))
	b.phrase("see you", lEn, 1, 0, w(iBook, 0.5))
	b.add("haircut hair braids braiding dreadlocks locs manicure pedicure nails massage facial makeup treatment "+
		"cut trim shave service services checkup consultation cleaning wash tattoo lashes waxing", lEn, 1, fService, w(iBook, 0.3), w(iPrice, 0.3))
	b.add("table", lEn, 1, fBookNoun, w(iBook, 1))
	b.add("miadi", lSw, 1, fBookNoun, w(iBook, 3))
	b.add("nafasi", lSw, 1, fBookNoun, w(iBook, 2))
	b.add("ratiba", lSw, 1, fBookNoun, w(iBook, 1))
	b.verb("weka", 0, w(iBook, 0.7))
	b.verb("panga pangia", 0, w(iBook, 2))
	b.verb("hifadhi hifadhia", 0, w(iBook, 2.5))
	b.verb("tembelea", fCome, w(iBook, 1))
	b.phrase("weka miadi", lSw, 2, 0, w(iBook, 1))
	b.add("huduma", lSw, 1, 0, w(iBook, 0.2), w(iPrice, 0.2))
	b.add("nywele kucha rasta saluni kinyozi", lSw, 1, fService, w(iBook, 0.3), w(iPrice, 0.3))
	b.add("salon barber barbershop spa clinic", lEn, 1, fService, w(iBook, 0.3))
	b.add("doctor dentist stylist therapist nurse physio mechanic", lEn, 1, fService, w(iBook, 0.5))
	b.add("daktari fundi", lSw, 1, fService, w(iBook, 0.5))
	b.verb("suka nyoa", fService, w(iBook, 0.3), w(iPrice, 0.3))

	// Rescheduling.
	b.add("reschedule rescheduling rescheduled rebook rearrange", lEn, 1, fBookNoun, w(iReschedule, 5))
	b.phrase("push back", lEn, 1, fChange, w(iReschedule, 2))
	b.phrase("bring forward", lEn, 1, fChange, w(iReschedule, 3))
	b.add("postpone postponed", lEn, 1, 0, w(iReschedule, 4.5))
	b.add("move moving shift push switch", lEn, 1, fChange, w(iReschedule, 1.5))
	b.add("change changes changing", lEn, 1, fChange, w(iReschedule, 1))
	b.add("instead", lEn, 1, fInstead, w(iReschedule, 1.5))
	b.add("earlier later", lEn, 1, fLater, w(iReschedule, 0.7))
	b.add("baadaye", lSw, 2, fLater, w(iReschedule, 0.7))
	b.add("delay", lEn, 1, 0, w(iReschedule, 1.5), w(iOrderStatus, 1))
	b.phrase("another day", lEn, 1, 0, w(iReschedule, 3))
	b.phrase("another time", lEn, 1, 0, w(iReschedule, 3))
	b.phrase("different time", lEn, 1, 0, w(iReschedule, 3))
	b.phrase("different day", lEn, 1, 0, w(iReschedule, 3))
	b.phrase("new time", lEn, 1, 0, w(iReschedule, 2.5))
	b.phrase("new date", lEn, 1, 0, w(iReschedule, 2.5))
	b.phrase("came up", lEn, 1, 0, w(iReschedule, 1), w(iCancel, 1))
	b.verb("badilisha badili", fChange, w(iReschedule, 1.5))
	b.verb("sogeza", fChange, w(iReschedule, 2.5))
	b.verb("hamisha", fChange, w(iReschedule, 2))
	b.verb("ahirisha", 0, w(iReschedule, 4.5))
	b.verb("chelewa", 0, w(iReschedule, 1), w(iOrderStatus, 0.7))
	b.add("badala", lSw, 1, fInstead, w(iReschedule, 1.5))
	b.phrase("siku nyingine", lSw, 2, 0, w(iReschedule, 3))
	b.phrase("muda mwingine", lSw, 2, 0, w(iReschedule, 3))
	b.phrase("saa nyingine", lSw, 2, 0, w(iReschedule, 2.5))

	// Cancelling.
	b.add("cancel cancels cancelled canceled cancelling canceling cancellation", lEn, 1, 0, w(iCancel, 5))
	b.add("unsubscribe terminate withdraw", lEn, 1, 0, w(iCancel, 3))
	b.add("delete remove scrap abort", lEn, 1, 0, w(iCancel, 3))
	b.phrase("forget it", lEn, 1, 0, w(iCancel, 1.5))
	b.add("stop", lEn, 1, 0, w(iCancel, 2.5))
	b.add("drop", lEn, 1, 0, w(iCancel, 1.5))
	b.phrase("call off", lEn, 1, 0, w(iCancel, 3), w(iHuman, -2))
	b.phrase("make it", lEn, 1, fCome, w(iCancel, 0.5))
	b.phrase("changed mind", lEn, 1, 0, w(iCancel, 3))
	b.phrase("change mind", lEn, 1, 0, w(iCancel, 3))
	b.phrase("no longer", lEn, 1, 0, w(iCancel, 2))
	b.add("anymore", lEn, 1, 0, w(iCancel, 1.5))
	b.verb("ghairi ghairisha", 0, w(iCancel, 5))
	b.verb("futa futia", 0, w(iCancel, 3.5))
	b.verb("sitisha", 0, w(iCancel, 4))
	b.verb("simamisha", 0, w(iCancel, 4))
	b.verb("batilisha", 0, w(iCancel, 4))
	b.verb("ondoa", 0, w(iCancel, 3))
	b.verb("acha achana", 0, w(iCancel, 1.5))
	b.phrase("badili nia", lSw, 2, 0, w(iCancel, 3))
	b.phrase("badilisha nia", lSw, 2, 0, w(iCancel, 3))
	b.phrase("badili mawazo", lSw, 2, 0, w(iCancel, 3))
	b.phrase("badilisha mawazo", lSw, 2, 0, w(iCancel, 3))
}

func ordersAndDelivery(b builder) {
	// Ordering.
	b.add("order", lEn, 1, fOrderNoun|fBuy, w(iOrder, 2), w(iOrderStatus, 0.5))
	b.add("orders", lEn, 1, fOrderNoun, w(iOrder, 1.5), w(iOrderStatus, 0.5))
	b.add("buy purchase", lEn, 1, fBuy, w(iOrder, 3.5))
	b.add("bought purchased", lEn, 1, fOrderNoun|fPast, w(iOrder, 0.5), w(iOrderStatus, 1))
	b.add("cart basket checkout", lEn, 1, 0, w(iOrder, 2.5))
	b.add("upgrade subscribe register join", lEn, 1, 0, w(iOrder, 2.5))
	b.phrase("sign up", lEn, 1, 0, w(iOrder, 2.5))
	b.verb("jiunga jisajili", 0, w(iOrder, 2.5))
	b.add("sell sells selling", lEn, 1, 0, w(iOrder, 1.5), w(iPrice, 1))
	b.add("stock", lEn, 1, 0, w(iOrder, 1.5), w(iPrice, 0.5))
	b.add("take", lEn, 1, 0, w(iOrder, 0.5))
	b.phrase("ill take", lEn, 1, 0, w(iOrder, 2))
	b.phrase("i take", lEn, 1, 0, w(iOrder, 1))
	b.phrase("do have", lEn, 1, 0, w(iOrder, 0.8))
	b.add("quantity pieces pcs pair pairs packet packets pack packs bottle bottles box boxes kg kgs "+
		"kilo kilos litre litres liter liters unit units", lEn, 1, fProduct|fQty, w(iOrder, 1))
	b.add("pakiti chupa boksi lita", lSw, 1, fProduct|fQty, w(iOrder, 1))
	b.phrase("send me", lEn, 1, fGet, w(iOrder, 0.5))
	b.phrase("put down", lEn, 1, fGet, w(iOrder, 0.5), w(iBook, 0.5))
	b.add("size sizes colour color colours colors", lNone, 0, fProduct, w(iOrder, 1))
	b.add("item items product products goods dress dresses shoes shoe sneakers trainers bag bags "+
		"shirt shirts tshirt jeans trousers skirt jacket phone phones laptop watch cream perfume "+
		"earrings necklace hat cap", lEn, 1, fProduct, w(iOrder, 0.3))
	b.add("one ones", lEn, 1, fProduct)
	b.add("oda", lSw, 1, fOrderNoun|fBuy, w(iOrder, 2), w(iOrderStatus, 0.5))
	b.verb("agiza agizia", fBuy, w(iOrder, 3.5))
	b.verb("nunua nunulia", fBuy, w(iOrder, 3.5))
	b.verb("chukua", fGet, w(iOrder, 1))
	b.verb("patia", fGet, w(iOrder, 0.5))
	b.add("nipe tupe nipeni", lSw, 2, fGet, w(iOrder, 1.5))
	b.add("stuff things vitu", lNone, 0, fOrderNoun)
	b.add("nitumie unitumie nitumieni mnitumie tutumie", lSw, 2, fSend|fGet, w(iOrder, 1))
	b.phrase("weka oda", lSw, 2, 0, w(iOrder, 1), w(iBook, -0.7))
	b.add("bidhaa", lSw, 1, fProduct, w(iOrder, 0.5))
	b.add("swap", lEn, 1, 0, w(iRefund, 3))
	b.add("viatu kiatu nguo simu mfuko mikoba mkoba shati mashati gauni suruali saizi rangi sketi "+
		"koti pafyumu mkufu hereni vitenge kitenge kanga", lSw, 1, fProduct, w(iOrder, 0.3))
	b.add("mnazo unazo mnayo unayo zinapatikana inapatikana", lSw, 2, 0, w(iOrder, 1.5), w(iPrice, 0.5))

	// Order status.
	b.add("status", lEn, 1, fStatus, w(iOrderStatus, 4))
	b.add("update updates progress", lEn, 1, fStatus, w(iOrderStatus, 2.5))
	b.add("track tracking eta", lEn, 1, fStatus, w(iOrderStatus, 3.5))
	b.add("dispatched", lEn, 1, fStatus, w(iOrderStatus, 2.5))
	b.add("confirm confirmed confirmation", lEn, 1, fStatus, w(iOrderStatus, 1))
	b.add("resolved solved handled sorted attended", lEn, 1, fStatus, w(iOrderStatus, 1.5))
	b.verb("shughulikia shughulikiwa tatuliwa", fStatus, w(iOrderStatus, 1.5))
	b.verb("thibitisha thibitishwa", fStatus, w(iOrderStatus, 1))
	b.add("arrive arrived arriving arrival reach reached", lEn, 1, fArrive, w(iOrderStatus, 1.5))
	b.add("receive received receiving", lEn, 1, fArrive, w(iOrderStatus, 1))
	b.add("delayed late", lEn, 1, 0, w(iOrderStatus, 2))
	b.add("waiting wait", lEn, 1, 0, w(iOrderStatus, 1.5))
	b.add("package packages parcel parcels shipment consignment", lEn, 1, fOrderNoun, w(iOrderStatus, 1))
	b.add("ticket tickets complaint complaints case reference request", lEn, 1, fOrderNoun, w(iOrderStatus, 1.5))
	b.add("reported", lEn, 1, fReported, w(iOrderStatus, 1))
	b.add("report", lEn, 1, fReport, w(iOrderStatus, 0.5), w(iProblem, 0.5))
	b.add("news", lEn, 1, 0, w(iOrderStatus, 1))
	b.phrase("any news", lEn, 1, fStatus, w(iOrderStatus, 2))
	b.phrase("nothing yet", lEn, 1, fStatus, w(iOrderStatus, 2.5))
	b.phrase("still nothing", lEn, 1, fStatus, w(iOrderStatus, 2.5))
	b.phrase("on way", lEn, 1, fStatus, w(iOrderStatus, 2.5))
	b.add("njiani", lSw, 1, fStatus, w(iOrderStatus, 2.5))
	b.phrase("how long", lEn, 1, 0, w(iOrderStatus, 1), w(iDelivery, 1))
	b.add("mzigo mizigo kifurushi vifurushi", lSw, 1, fOrderNoun, w(iOrderStatus, 1.5))
	b.add("tiketi lalamiko malalamiko", lSw, 1, fOrderNoun, w(iOrderStatus, 1.5))
	b.add("maendeleo", lSw, 1, fStatus, w(iOrderStatus, 2.5))
	b.add("hali", lSw, 1, 0, w(iOrderStatus, 1))
	b.verb("fika fikia", fArrive, w(iOrderStatus, 1))
	b.verb("pokea pokelewa", fArrive, w(iOrderStatus, 1))
	b.verb("subiri ngoja", 0, w(iOrderStatus, 1.5))
	b.verb("ripoti", fReport, w(iOrderStatus, 0.5), w(iProblem, 0.5))
	b.phrase("habari yoyote", lSw, 2, fStatus, w(iOrderStatus, 3), w(iGreeting, -2.5))
	b.phrase("habari kuhusu", lSw, 2, fStatus, w(iOrderStatus, 3), w(iGreeting, -2.5))
	b.add("kuhusu", lSw, 2, 0)

	// Delivery.
	b.add("deliver delivers delivery deliveries delivering shipping ship ships courier",
		lEn, 1, fDelivery, w(iDelivery, 3.5))
	b.add("delivered shipped", lEn, 1, fDelivery|fArrive|fPast, w(iDelivery, 1), w(iOrderStatus, 1.5))
	b.add("dispatch transport rider riders pickup doorstep nationwide countrywide upcountry",
		lEn, 1, fDelivery, w(iDelivery, 2.5))
	b.add("collect collection", lEn, 1, 0, w(iDelivery, 1.5))
	b.add("bring", lEn, 1, fDelivery, w(iDelivery, 2))
	b.add("install installation installed installing setup", lEn, 1, 0, w(iDelivery, 2.5))
	b.phrase("set up", lEn, 1, 0, w(iDelivery, 2))
	b.phrase("pick up", lEn, 1, fDelivery, w(iDelivery, 2))
	b.phrase("drop off", lEn, 1, fDelivery, w(iDelivery, 2))
	b.phrase("home visit", lEn, 1, fDelivery, w(iDelivery, 2))
	b.add("send sends sending", lEn, 1, fSend, w(iDelivery, 0.5))
	b.add("sent", lEn, 1, fSend|fPast, w(iPayment, 0.5))
	b.verb("leta letea", fDelivery, w(iDelivery, 3))
	b.verb("safirisha", fDelivery, w(iDelivery, 3.5))
	b.verb("peleka pelekea", fDelivery, w(iDelivery, 3))
	b.verb("fikisha", fDelivery, w(iDelivery, 3))
	b.verb("tuma tumia", fSend, w(iDelivery, 0.5))
	b.add("usafirishaji usafiri utoaji", lSw, 1, fDelivery, w(iDelivery, 3.5))
	b.add("mikoani mkoani nyumbani mlangoni boda bodaboda", lSw, 1, 0, w(iDelivery, 1.5))
	b.phrase("nchi nzima", lSw, 2, fDelivery, w(iDelivery, 3))
	b.add("nairobi mombasa kisumu nakuru eldoret thika kampala arusha dar dodoma mwanza moshi kigali "+
		"zanzibar machakos nyeri meru kitale malindi naivasha kericho embu kakamega mtwara tanga "+
		"morogoro mbeya tabora entebbe jinja kiambu ruiru juja rongai kitengela ngong westlands "+
		"kilimani karen kasarani embakasi syokimau ruaka kikuyu mlolongo", lNone, 0, fPlace)
	b.phrase("pay on delivery", lEn, 1, 0, w(iPayment, 3))
	b.phrase("cash on delivery", lEn, 1, 0, w(iPayment, 3))
	b.phrase("payment on delivery", lEn, 1, 0, w(iPayment, 3))
}

func paymentRefundProblem(b builder) {
	// Payment.
	b.add("pay paying payment payments", lEn, 1, fPay, w(iPayment, 3.5))
	b.add("paid", lEn, 1, fPay|fPast, w(iPayment, 3))
	b.add("mpesa paybill till airtel tigo mpesa", lNone, 0, fPay, w(iPayment, 3))
	b.add("card visa mastercard bank transfer cash deposit installment installments instalment "+
		"instalments receipt invoice bill billing transaction subscription", lEn, 1, 0, w(iPayment, 1.5))
	b.phrase("account number", lEn, 1, 0, w(iPayment, 2))
	b.phrase("mobile money", lEn, 1, fPay, w(iPayment, 3))
	b.phrase("top up", lEn, 1, fPay, w(iPayment, 3))
	b.add("topup recharge airtime bundle bundles", lEn, 1, fPay, w(iPayment, 2.5))
	b.add("bando", lSw, 1, fDevice, w(iPayment, 1))
	b.add("accept accepted", lEn, 1, 0, w(iPayment, 1))
	b.phrase("send money", lEn, 1, 0, w(iPayment, 2))
	b.verb("lipa lipia", fPay, w(iPayment, 3.5))
	b.add("malipo", lSw, 1, fPay, w(iPayment, 3.5))
	b.add("muamala risiti kadi benki taslimu awamu deni", lSw, 1, 0, w(iPayment, 1.5))
	b.add("namba", lSw, 1, 0, w(iPayment, 0.3))
	b.add("akaunti", lSw, 1, 0, w(iPayment, 0.3), w(iProblem, 0.5))
	b.add("account", lEn, 1, 0, w(iPayment, 0.3), w(iProblem, 0.5))

	// Refunds, returns and exchanges.
	b.add("refund refunds refunded refunding reimburse reimbursement", lEn, 1, 0, w(iRefund, 5))
	b.add("return returns returned returning", lEn, 1, fBack, w(iRefund, 3))
	b.add("exchange replace replacement", lEn, 1, 0, w(iRefund, 3.5))
	b.add("reverse reversal reversed", lEn, 1, fBack, w(iRefund, 3.5))
	b.add("small big tight loose fake counterfeit torn", lEn, 1, fFit, w(iRefund, 0.5))
	b.add("ndogo kubwa feki", lSw, 1, fFit, w(iRefund, 0.5))
	b.add("back", lEn, 1, fBack)
	b.add("twice double", lEn, 1, fTwice, w(iRefund, 0.5))
	b.add("charged", lEn, 1, fCharge|fPast, w(iPayment, 0.5), w(iRefund, 0.5))
	b.add("deduct deducted deduction deductions", lEn, 1, fCharge, w(iRefund, 2))
	b.add("billed", lEn, 1, fCharge|fPast, w(iPayment, 0.5), w(iRefund, 0.5))
	b.add("mistake mistakenly accidentally erroneously", lEn, 1, fMistake, w(iRefund, 1))
	b.add("kimakosa", lSw, 1, fMistake, w(iRefund, 1))
	b.verb("rejesha rejeshewa", fBack, w(iRefund, 3.5))
	b.add("haikunifaa hazikunifaa havikunifaa haikufaa hainifai haifai hazifai havifai", lSw, 2, fNeg|fFit)
	b.add("overcharged", lEn, 1, 0, w(iRefund, 4))
	b.add("wrong", lEn, 1, 0, w(iRefund, 1), w(iProblem, 1))
	b.add("fit fits", lEn, 1, fFit)
	b.add("damaged defective", lEn, 1, 0, w(iRefund, 1.5), w(iProblem, 1.5))
	b.phrase("money back", lEn, 1, 0, w(iRefund, 4))
	b.verb("rudisha rudishia", fBack, w(iRefund, 3))
	b.verb("rudi", fBack, w(iRefund, 1))
	b.verb("kata", fCharge, w(iPayment, 0.5), w(iRefund, 0.5))
	b.verb("tosha", fFit)
	b.add("marejesho", lSw, 1, 0, w(iRefund, 4))
	b.phrase("mara mbili", lSw, 2, fTwice, w(iRefund, 0.5))

	// Problems.
	b.add("problem problems issue issues trouble glitch", lEn, 1, fCaseNoun, w(iProblem, 3.5))
	b.add("error errors bug bugs crash crashes crashing crashed broken faulty fault hacked", lEn, 1, 0, w(iProblem, 3))
	b.add("fail fails failed failing failure stuck freeze frozen freezing hangs", lEn, 1, 0, w(iProblem, 3))
	b.add("slow", lEn, 1, fDown, w(iProblem, 2.5))
	b.add("disconnect disconnects disconnecting disconnected dropping cracked leaking overheating lagging "+
		"unresponsive", lEn, 1, 0, w(iProblem, 3))
	b.add("dead blank", lEn, 1, fDown, w(iProblem, 1.5))
	b.add("drops dropped blink blinking blinks flashing", lEn, 1, fDown, w(iProblem, 2.5))
	b.add("light lights", lEn, 1, fDevice)
	b.add("kasi", lSw, 1, fDown, w(iProblem, 0.5))
	b.phrase("dont understand", lEn, 1, 0, w(iProblem, 2))
	b.add("keeps keep", lEn, 1, 0, w(iProblem, 1))
	b.add("lost forgot forgotten", lEn, 1, 0, w(iProblem, 1.5))
	b.verb("poteza potea sahau", 0, w(iProblem, 2))
	b.phrase("neno siri", lSw, 2, fDevice, w(iProblem, 1.5))
	b.add("respond responding", lEn, 1, fFunction)
	b.add("down off", lEn, 1, fDown, w(iProblem, 1))
	b.add("chini", lSw, 2, fDown, w(iProblem, 0.5))
	b.add("since", lEn, 1, 0, w(iProblem, 0.5))
	b.add("tangu", lSw, 2, 0, w(iProblem, 0.5))
	b.add("password blocked locked reset", lEn, 1, 0, w(iProblem, 1.5))
	b.add("repair", lEn, 1, 0, w(iProblem, 2))
	b.add("fix fixed", lEn, 1, 0, w(iProblem, 1))
	b.add("help", lEn, 1, 0, w(iProblem, 1), w(iHuman, 0.5))
	b.add("internet network wifi router signal connection app screen battery modem data tv decoder "+
		"website site link sim line messages computer sms email", lNone, 0, fDevice, w(iProblem, 1))
	b.add("phone phones laptop account", lEn, 1, fDevice)
	b.add("work works working worked", lEn, 1, fFunction|fWork)
	b.add("start starts load loads loading connect connecting login signin access", lEn, 1, fFunction)
	b.phrase("log in", lEn, 1, fFunction, w(iProblem, 0.5))
	b.phrase("log into", lEn, 1, fFunction, w(iProblem, 0.5))
	b.phrase("sign in", lEn, 1, fFunction, w(iProblem, 0.5))
	b.phrase("turn on", lEn, 1, fFunction)
	b.phrase("switch on", lEn, 1, fFunction)
	b.add("tatizo matatizo shida hitilafu", lSw, 1, fCaseNoun, w(iProblem, 3.5))
	b.add("mbovu bovu", lSw, 1, 0, w(iProblem, 3))
	b.add("kasoro", lSw, 1, 0, w(iProblem, 1))
	b.add("polepole taratibu", lSw, 1, fDown, w(iProblem, 1.5))
	b.add("mtandao intaneti interneti laini", lSw, 1, fDevice, w(iProblem, 1))
	b.add("simu akaunti kompyuta", lSw, 1, fDevice)
	b.add("msaada", lSw, 1, 0, w(iProblem, 1), w(iHuman, 0.5))
	b.verb("haribika haribu", 0, w(iProblem, 3))
	b.verb("kwama", 0, w(iProblem, 3))
	b.verb("kataa", 0, w(iProblem, 1.5))
	b.verb("zima zimika", fDown, w(iProblem, 1.5))
	b.verb("sumbua", 0, w(iProblem, 2.5))
	b.verb("goma ganda", 0, w(iProblem, 2.5))
	b.verbRoot("katik", "katika", fDown, w(iProblem, 2))
	b.verbRoot("kuf", "kufa", fDown, w(iProblem, 1.5))
	b.add("mfumo", lSw, 1, fDevice, w(iProblem, 0.5))
	b.verb("shindwa", 0, w(iProblem, 2))
	b.verb("saidiwa", 0, w(iProblem, 1))
	b.verb("waka washa washa", fFunction)
	b.verb("ingia", fFunction)
	b.verb("funguka", fFunction)
	b.add("kazi", lSw, 1, 0)
	b.phrase("fanya kazi", lSw, 2, fFunction|fWork)
	b.verb("unganisha unganishwa", 0, w(iHuman, 0.5))
}

// commonWords are frequent words with no intent: they are language evidence
// and they stop the typo matcher from "correcting" real words.
func commonWords(b builder) {
	b.add("week weeks time", lEn, 1, fTime)
	b.alias("time", "tym tyme")
	b.add("wiki siku muda tarehe wakati", lSw, 1, fTime)
	b.add("monday tuesday wednesday thursday friday saturday sunday january february march "+
		"april june july august september october november december", lEn, 1, fTime)
	b.add("weather nice today tomorrow yesterday month year day days date "+
		"morning night tonight capital country city france kenya tanzania uganda "+
		"turtles turtle football match game won win lose lost music song movie "+
		"good bad best better big small new old older young first last next other another "+
		"man woman child children friend family home house school work job car water food "+
		"said say says tell told think thought see saw look looking found give gave make made "+
		"put keep kept let try tried use used feel felt seem "+
		"lol haha hahaha hmm omg wow boss team guys bro sis dear folks "+
		"border corder older holder golder elder order", lEn, 1, 0)
	b.add("mvua jua baridi joto mpira muziki wimbo filamu chakula maji nyumba gari shule "+
		"kazini rafiki mama baba mtoto watoto dada kaka siku wiki mwezi mwaka muda "+
		"asubuhi mchana jioni usiku alfajiri usiku kesho keshokutwa "+
		"jumatatu jumanne jumatano alhamisi ijumaa jumamosi jumapili "+
		"habari mbona kwanini kwa nini sababu ndiyo labda hata bila", lSw, 1, 0)
	// Borrowings used as they are in both languages are no evidence of either.
	b.neutral("book booking delivery size dress ok okay boss")
}
