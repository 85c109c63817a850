// Package wa is Flow HQ's real WhatsApp link: a tenant.Link on whatsmeow.
//
// A Manager owns the process's single whatsmeow device container, kept in
// Flow HQ's own database (whatsmeow's whatsmeow_* tables next to gorm's), a
// pool of linking slots and a watchdog. Its Factory builds one Link per
// tenant actor run. A Link owns one whatsmeow client:
//
//   - Built with the JID stored on the tenant's session, it loads that device
//     and logs in without a QR code; if the device is no longer stored,
//     Connect reports tenant.EventLoggedOut with the reason.
//   - Built without one, Connect starts a pairing attempt once a linking slot
//     is free (at most Options.MaxConcurrentLinking at a time; Connect never
//     waits for it). QR codes are reported as tenant.EventQR as WhatsApp hands
//     them out (60 s for the first, 20 s for the next five); PairPhone turns
//     the attempt into a pairing-code one (tenant.EventPairCode). When the
//     codes run out the attempt ends with tenant.EventDisconnected and the
//     next Connect starts a new one. After pairing (tenant.EventPaired) the
//     device logs in with a fresh client built from the stored device.
//
// whatsmeow's events become the actor's: Connected → EventConnected; a
// dropped connection → EventDisconnected, then EventConnected when whatsmeow
// has reconnected by itself; LoggedOut → EventLoggedOut; StreamReplaced →
// EventFailed "linked in another place"; TemporaryBan → EventBanned (the
// link logs in again when the ban ends); ClientOutdated and ConnectFailure
// → EventFailed. The watchdog reconnects a paired link that stays not
// logged in, a connected one that has heard nothing for too long (see
// Link.LastActivity) and one whose keepalives keep failing.
//
// Inbound messages are durable: the client acknowledges a message only
// after the handler returned true (SynchronousAck, a success-status handler,
// the decrypted-event buffer), and a panic counts as failure. Only 1:1 text
// messages reach the handler, with chat and sender as phone-number JIDs
// whatever addressing WhatsApp used; messages from the business's own phone
// come with FromMe set. Events and messages reach the handler one at a time,
// in order.
//
// Sends and decryptions of one client take turns (Link.sessionMu): whatsmeow
// loads, updates and stores a Signal session without a lock, so a decryption
// overlapping a send to the same customer could undo the send's ratchet step.
//
// whatsmeow's log lines go to slog with the tenant's attributes; its frame
// dumps stay at debug level.
package wa
