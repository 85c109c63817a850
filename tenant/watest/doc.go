// Package watest is a local WhatsApp server for tests: the real whatsmeow
// client connects to it over a loopback websocket, runs the Noise handshake,
// links by QR code or pairing code, logs in, uploads its prekeys and
// exchanges end-to-end encrypted messages with simulated customers. Nothing
// between the client and the wire is mocked.
//
// The package is for tests only. The production binary must never import it
// (it swaps whatsmeow's pinned certificate key, see below).
//
// # Wiring a client
//
//	srv := watest.Start(t)                       // loopback server, closed by t.Cleanup
//	store := watest.NewContainer(t)              // whatsmeow sqlstore on a temp SQLite file
//	cli := whatsmeow.NewClient(store.NewDevice(), nil)
//	srv.Configure(cli)                           // websocket + pre-login HTTP clients dial srv
//
//	acct := srv.Account("+255 700 000 001")      // the business's WhatsApp account
//	dev, err := acct.Link(ctx, cli)              // QR: GetQRChannel, Connect, Scan, wait for login
//
//	cust := acct.Customer("+255 711 000 001")    // a simulated customer
//	id := cust.Send("Habari")                    // pkmsg built from the client's uploaded prekeys
//	at, ok := srv.ReceiptFor(id)                 // when the client's delivery receipt arrived
//	reply, err := cust.WaitReply(ctx)            // the client's SendMessage, decrypted
//
// Linking step by step: call cli.GetQRChannel and cli.Connect, read a code
// from the channel and pass it to Account.Scan (or Server.Scan for a fresh
// number); Scan returns the device JID once the client accepted pair-success,
// then the server ends the stream with code 515 and the client logs in again.
// For phone-number linking, call cli.PairPhone after the first QR event and
// pass the code to Server.EnterCode or Account.EnterCode. A stored device
// (container.GetDevice) logs in directly. Server.AccountByJID and
// Server.Device find accounts and devices by any JID form (phone number or
// LID, with or without device part). Every Wait method takes a context.
//
// # What the server speaks
//
//   - Noise_XX handshake with a certificate chain (intermediate + leaf for
//     the server's static key) signed by a test root.
//   - Login sockets: pair-device refs, pair-success with an ADV device
//     identity signed by the account key and authenticated with the QR's
//     (or the pairing code's) ADV secret, verification of the client's
//     device signature, stream error 515.
//   - Logged-in sockets: success (with the device LID), offline preview,
//     queued messages and offline-complete, prekey count / upload / key
//     queries / signed prekey rotation, passive/active, ping, usync (device
//     lists, LIDs, contact), privacy and blocklist queries. Any other iq gets
//     error 501 feature-not-implemented at once, so no client call hangs.
//   - Messages: customers and the account's own phone have in-memory Signal
//     stores. Incoming 1:1 messages are pkmsg/msg stanzas with WhatsApp's
//     padding, addressed by phone number with sender_lid, or by LID with
//     sender_pn (Customer.UseLID). The client's outgoing messages are
//     decrypted per <to> entry: by the customer, by the account's phone (the
//     DeviceSentMessage copy, Account.PhoneReceived) or forwarded to the
//     account's other linked devices. The sender gets its ack and the
//     customer's delivery receipt; Customer.MarkRead sends read receipts.
//   - Every message stays queued for a device until the device sends a
//     receipt (or nack) for it and is sent again on each login, as WhatsApp
//     redelivers. Receipts are recorded with their arrival time
//     (ReceiptFor, Receipts, WaitReceipt).
//
// # Faults
//
//   - Device.Drop, Server.DropAll: the socket closes; whatsmeow emits
//     events.Disconnected, reconnects by itself and gets unacknowledged
//     messages again.
//   - Customer.Resend: the same message id again with a fresh encryption,
//     which whatsmeow hands to the handlers a second time. (A byte-identical
//     redelivery of a message the handlers already accepted is dropped by
//     whatsmeow's decrypted-event buffer or by the Signal counter; after a
//     failed handler the buffer hands the stored plaintext out again.)
//   - A second login of the same device, or Device.Replace: the older stream
//     gets <conflict type="replaced"/> (events.StreamReplaced).
//   - Device.Remove: stream error 401 device_removed while online, connect
//     failure 401 afterwards (events.LoggedOut; whatsmeow deletes its store).
//   - Account.Ban: connect failure 402 with reason code and expiry
//     (events.TemporaryBan) until Account.Unban or expiry.
//   - Account.SendFromPhone: a message from the business's own phone into a
//     customer chat, a DeviceSentMessage from device 0 (Info.IsFromMe).
//   - Device.Stall: the server ignores the device but keeps the socket open,
//     so sends time out (ErrMessageTimedOut) and, given time, keepalives fail
//     (events.KeepAliveTimeout).
//
// After a stream error or connect failure the server waits for a grace
// period (WithStreamEndGrace, default 1 s) before it closes the socket, so
// that whatsmeow has handled the node when the socket goes away.
//
// # QR code lifetimes
//
// whatsmeow, not the server, decides how long a code is shown: 60 s for the
// first of a batch of six refs and 20 s for every other code (qrchan.go).
// By default the server sends six refs in one pair-device request like
// WhatsApp, so codes rotate after 60 s and 20 s each and the channel says
// "timeout" after 160 s. WithQRLifetimes makes the server drive rotation
// instead: it sends one ref at a time at its own pace and closes the login
// socket after the last one, so the channel reports six codes and then
// "timeout" in, say, two seconds. Each QRChannelItem.Timeout then still
// reads 20 s (the client's constant); the total must stay under 20 s.
// WithQRRefs changes the number of refs. Server.QRCodeValid tells whether
// the server currently accepts a code.
//
// # The certificate root is process-wide
//
// whatsmeow pins WhatsApp's root key in the package variable
// whatsmeow.WACertPubKey. The first Server in a process generates one test
// root, installs its public key there and every later server reuses it; the
// original key is restored when the last running server closes. Servers in
// parallel tests of one package are therefore fine, but nothing in the same
// process may talk to the real WhatsApp while a server runs.
//
// # whatsmeow races to keep in mind under -race
//
// A few spots in whatsmeow are not synchronised, and tests against a real
// server make them visible to the race detector:
//
//   - FrameSocket reads its connection field and a "closed" flag without a
//     lock while it writes a frame or handles a read error, and Disconnect
//     (or a server-side close) writes them. A disconnect while the client is
//     still writing a receipt or ack is reported. Before disconnecting a
//     client, or before a fault that closes its socket, wait until the client
//     is quiet: Device.WaitSettled returns once every queued message has its
//     receipt and every notification and receipt has its ack, and its wait
//     gives the race detector the ordering it needs.
//   - After a server-side close that whatsmeow expected (StreamReplaced,
//     LoggedOut, TemporaryBan) there is no event when its socket teardown is
//     done; calling Disconnect right then is reported too. Reacting to those
//     events at once is fine (the server waits for the grace period before
//     it closes); tests that let cleanup disconnect the client should first
//     wait for whatsmeow's "OnDisconnect() called" debug log line.
//   - The QR channel closes its output from the event goroutine while a code
//     emitter may still be sending; this only matters when the QR sequence
//     ends by a disconnect, and the server's graceful close of the login
//     socket orders it.
//
// # Not covered
//
// Groups, broadcast lists, status and newsletters; media upload and download
// (the client's media HTTP client fails fast); history sync and app state
// (contacts, chat settings, labels); presence and chat-state fan-out; calls;
// retry receipts (recorded, not answered); privacy tokens, business profiles
// and profile pictures (those queries get error 501). Prekeys are handed out
// from what the client uploaded, but signed-prekey expiry and identity-change
// notifications are not simulated.
package watest
