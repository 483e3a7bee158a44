package fcm

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"firebase.google.com/go/v4/messaging"
)

// Lock screens show about two lines of title and four of body; longer text is cut by the phone anyway, and
// short messages keep well under FCM's 4 KB payload limit.
const (
	maxTitleRunes = 80
	maxBodyRunes  = 180
)

// maxCollapseID is APNs' limit on apns-collapse-id, in bytes.
const maxCollapseID = 64

// message builds the FCM message for p.
func message(p Push) *messaging.Message {
	androidPriority, apnsPriority, urgency := "normal", "5", "normal"
	if p.HighPriority {
		androidPriority, apnsPriority, urgency = "high", "10", "high"
	}
	m := &messaging.Message{
		Token: p.Token,
		Data:  p.Data,
		Notification: &messaging.Notification{
			Title: shorten(p.Title, maxTitleRunes),
			Body:  shorten(p.Body, maxBodyRunes),
		},
		Android: &messaging.AndroidConfig{
			CollapseKey: p.CollapseKey,
			Priority:    androidPriority,
		},
		APNS: &messaging.APNSConfig{
			// apns-push-type is mandatory on watchOS and iOS 13+; apns-priority 5 lets iOS batch delivery
			// to save battery.
			Headers: map[string]string{"apns-priority": apnsPriority, "apns-push-type": "alert"},
			Payload: &messaging.APNSPayload{Aps: &messaging.Aps{ThreadID: p.CollapseKey}},
		},
		Webpush: &messaging.WebpushConfig{
			Headers: map[string]string{"Urgency": urgency},
		},
	}
	if p.HighPriority {
		m.APNS.Payload.Aps.Sound = "default"
	}
	if p.CollapseKey != "" {
		// android.collapse_key only merges messages waiting for an offline device; the notification tag is
		// what replaces the one already shown.
		m.Android.Notification = &messaging.AndroidNotification{Tag: p.CollapseKey}
		m.APNS.Headers["apns-collapse-id"] = collapseID(p.CollapseKey)
	}
	if p.CollapseKey != "" || p.Lang != "" {
		m.Webpush.Notification = &messaging.WebpushNotification{
			Tag:      p.CollapseKey,
			Language: p.Lang,
			// A replaced web notification is silent unless renotify is set.
			Renotify: p.CollapseKey != "" && p.HighPriority,
		}
	}
	return m
}

// collapseID fits key into apns-collapse-id. A longer key is replaced by its SHA-256 in hex (64 bytes)
// rather than cut, so two long keys with a common prefix do not replace each other's notifications.
func collapseID(key string) string {
	if len(key) <= maxCollapseID {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// shorten returns s unchanged when it has at most max runes; otherwise it cuts s to max-1 runes, moving the
// cut back so that no combining mark (Vietnamese tone marks in decomposed text) is split from its letter and
// no space is left before the ellipsis, and appends "…".
func shorten(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)
	cut := max - 1
	for cut > 0 && unicode.Is(unicode.Mn, runes[cut]) {
		cut--
	}
	return strings.TrimRightFunc(string(runes[:cut]), unicode.IsSpace) + "…"
}
