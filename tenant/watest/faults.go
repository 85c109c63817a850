package watest

import (
	"time"

	"go.mau.fi/whatsmeow/types/events"
)

// Drop closes the device's socket abruptly, like a network failure. whatsmeow
// emits events.Disconnected and reconnects by itself; messages the device had
// not acknowledged are delivered again after it logs back in.
func (d *Device) Drop() {
	s := d.acct.srv
	s.mu.Lock()
	c := d.conn
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
}

// Replace ends the device's stream with <conflict type="replaced"/>, as if
// the same credentials had logged in somewhere else. whatsmeow emits
// events.StreamReplaced and does not reconnect. (Logging in twice with the
// same device store triggers the same thing naturally.)
func (d *Device) Replace() {
	s := d.acct.srv
	s.mu.Lock()
	c := d.conn
	s.mu.Unlock()
	if c != nil {
		c.endWith(streamError("", "replaced"))
	}
}

// Remove unlinks the device from the account, as when the user removes it on
// the phone. An online client gets stream error 401 device_removed
// (events.LoggedOut, OnConnect false); a later login attempt gets connect
// failure 401 (events.LoggedOut, OnConnect true). whatsmeow deletes its
// device store in both cases.
func (d *Device) Remove() {
	d.acct.srv.removeDevice(d, true)
}

func (s *Server) removeDevice(d *Device, tell bool) {
	s.mu.Lock()
	if d.removed {
		s.mu.Unlock()
		return
	}
	d.removed = true
	d.pending = nil
	clear(d.unacked)
	c := d.conn
	others := d.acct.linkedDevicesLocked()
	s.notifyLocked()
	s.mu.Unlock()
	if tell && c != nil {
		c.endWith(streamError("401", "device_removed"))
	}
	s.announceDevice(d.acct, others, d, "remove")
	s.log.Info("watest: device removed", "jid", d.jid)
}

// Ban bans the account temporarily. Online devices are disconnected; every
// login until the ban expires gets connect failure 402 with the reason code
// and the remaining time, which whatsmeow reports as events.TemporaryBan
// (and then stays disconnected).
func (a *Account) Ban(code events.TempBanReason, expire time.Duration) {
	s := a.srv
	s.mu.Lock()
	a.banCode = code
	a.banUntil = time.Now().Add(expire)
	var conns []*conn
	for _, d := range a.devices {
		if d.conn != nil {
			conns = append(conns, d.conn)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// Unban lifts a temporary ban.
func (a *Account) Unban() {
	a.srv.mu.Lock()
	a.banUntil = time.Time{}
	a.srv.mu.Unlock()
}

// DropAll closes every socket abruptly, like a server restart.
func (s *Server) DropAll() {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// Stall makes the server ignore everything the device sends while keeping
// its socket open, like a half-dead connection: pings and queries go
// unanswered (whatsmeow reports events.KeepAliveTimeout after its keepalive
// deadline and reconnects after KeepAliveMaxFailTime) and sent messages get
// no server ack (SendMessage returns ErrMessageTimedOut). Stall(false)
// resumes normal service.
func (d *Device) Stall(on bool) {
	s := d.acct.srv
	s.mu.Lock()
	d.stalled = on
	s.mu.Unlock()
}
