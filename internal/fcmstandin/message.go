package fcmstandin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Message is one message the stand-in accepted, as a phone would have received it.
// Field names follow the FCM HTTP v1 JSON that the Admin SDKs send (snake_case).
type Message struct {
	Name     string    `json:"name"` // projects/{project}/messages/{id}, as returned to the sender
	Project  string    `json:"project"`
	Received time.Time `json:"received"` // when the stand-in accepted it, after any configured delay

	Token     string `json:"token,omitempty"`
	Topic     string `json:"topic,omitempty"`
	Condition string `json:"condition,omitempty"`

	Data         map[string]string `json:"data,omitempty"`
	Notification *Notification     `json:"notification,omitempty"`
	Android      *Android          `json:"android,omitempty"`
	APNS         *APNS             `json:"apns,omitempty"`
	Webpush      *Webpush          `json:"webpush,omitempty"`

	// Raw is the "message" object exactly as sent, for fields the typed view leaves out.
	Raw json.RawMessage `json:"-"`
}

// Notification is the cross-platform notification block.
type Notification struct {
	Title string `json:"title,omitempty"`
	Body  string `json:"body,omitempty"`
	Image string `json:"image,omitempty"`
}

// Android is the android block; only the fields this project uses are typed.
type Android struct {
	CollapseKey  string               `json:"collapse_key,omitempty"`
	Priority     string               `json:"priority,omitempty"`
	TTL          string               `json:"ttl,omitempty"`
	Data         map[string]string    `json:"data,omitempty"`
	Notification *AndroidNotification `json:"notification,omitempty"`
}

// AndroidNotification is android.notification; only the fields this project uses are typed.
type AndroidNotification struct {
	Title       string `json:"title,omitempty"`
	Body        string `json:"body,omitempty"`
	Tag         string `json:"tag,omitempty"`
	ChannelID   string `json:"channel_id,omitempty"`
	ClickAction string `json:"click_action,omitempty"`
	Sound       string `json:"sound,omitempty"`
}

// APNS is the apns block. Payload is free-form, as APNs defines it.
type APNS struct {
	Headers map[string]string `json:"headers,omitempty"`
	Payload map[string]any    `json:"payload,omitempty"`
}

// Webpush is the webpush block. Notification is free-form, as the Web Notification API defines it.
type Webpush struct {
	Headers      map[string]string `json:"headers,omitempty"`
	Data         map[string]string `json:"data,omitempty"`
	Notification map[string]any    `json:"notification,omitempty"`
}

// sendRequest is the body of messages:send. Unknown top-level fields are refused, as FCM does.
type sendRequest struct {
	Message      json.RawMessage `json:"message"`
	ValidateOnly bool            `json:"validate_only"`
}

// messageFields are the names FCM knows at the "message" level; FCM refuses any other.
var messageFields = map[string]bool{
	"name": true, "data": true, "notification": true, "android": true, "webpush": true, "apns": true,
	"fcm_options": true, "token": true, "topic": true, "condition": true,
}

// maxPayload is FCM's limit on data plus notification text for a message to a device.
const maxPayload = 4096

// maxTokenLen is generous: real registration tokens are 150 to 300 characters.
const maxTokenLen = 4096

var (
	tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_:.\-]+$`)
	topicPattern = regexp.MustCompile(`^(/topics/)?[a-zA-Z0-9\-_.~%]+$`)
	ttlPattern   = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,9})?s$`)
)

// apiError is an error answer in the google.rpc.Status shape that FCM uses.
type apiError struct {
	status  int       // HTTP status
	code    ErrorCode // FcmError errorCode detail; empty for plain parse errors, which FCM sends without one
	message string
	field   string // google.rpc.BadRequest field violation; empty for none
	retry   time.Duration
}

func (e *apiError) Error() string { return e.message }

// parseError is what FCM answers when the JSON does not fit the schema: a BadRequest detail only.
func parseError(field, format string, args ...any) *apiError {
	msg := "Invalid JSON payload received. " + fmt.Sprintf(format, args...)
	return &apiError{status: 400, message: msg, field: field}
}

// invalid is what FCM answers for a well-formed message it refuses: an FcmError and a BadRequest detail.
func invalid(field, format string, args ...any) *apiError {
	return &apiError{status: 400, code: InvalidArgument, message: fmt.Sprintf(format, args...), field: field}
}

// decode parses and checks a messages:send body the way FCM does. It returns the project-less Message
// and whether the caller asked for validation only, or an *apiError describing the first problem.
func decode(body []byte) (Message, bool, *apiError) {
	var req sendRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return Message{}, false, jsonError("", err)
	}
	if dec.More() {
		return Message{}, false, parseError("", "Unexpected data after the request object.")
	}
	raw := bytes.TrimSpace(req.Message)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return Message{}, false, invalid("message", "Message is required.")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return Message{}, false, jsonError("message", err)
	}
	for name := range fields {
		if !messageFields[name] {
			return Message{}, false, parseError("message", "Unknown name %q at 'message': Cannot find field.", name)
		}
	}
	var m Message
	if err := json.Unmarshal(raw, &m); err != nil {
		return Message{}, false, jsonError("message", err)
	}
	m.Raw = append(json.RawMessage(nil), raw...)
	if e := check(&m); e != nil {
		return Message{}, false, e
	}
	return m, req.ValidateOnly, nil
}

// jsonError turns a decoding error into FCM's wording, naming the field when the decoder knows it.
func jsonError(prefix string, err error) *apiError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		field := strings.TrimPrefix(typeErr.Field, "message.")
		if prefix != "" {
			field = prefix + "." + field
		}
		return parseError(field, "Invalid value at '%s' (%s).", field, typeErr.Value)
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return parseError(prefix, "Unknown name %s: Cannot find field.", msg)
	}
	return parseError(prefix, "%v", err)
}

// check applies FCM's semantic rules to a decoded message.
func check(m *Message) *apiError {
	targets := 0
	for _, t := range []string{m.Token, m.Topic, m.Condition} {
		if t != "" {
			targets++
		}
	}
	switch {
	case targets == 0:
		return invalid("message", "Recipient of the message is not set.")
	case targets > 1:
		return parseError("message", "Oneof field 'target' is already set. Cannot set 'token', 'topic' or 'condition' together.")
	}
	if m.Token != "" && (len(m.Token) > maxTokenLen || !tokenPattern.MatchString(m.Token)) {
		return invalid("message.token", "The registration token is not a valid FCM registration token")
	}
	if m.Topic != "" && !topicPattern.MatchString(m.Topic) {
		return invalid("message.topic", "Invalid topic name %q.", m.Topic)
	}
	if e := checkData("message.data", m.Data); e != nil {
		return e
	}
	if a := m.Android; a != nil {
		switch strings.ToLower(a.Priority) {
		case "", "normal", "high":
		default:
			return parseError("message.android.priority", "Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), %q", a.Priority)
		}
		if a.TTL != "" && !ttlPattern.MatchString(a.TTL) {
			return parseError("message.android.ttl", "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), %q", a.TTL)
		}
		if e := checkData("message.android.data", a.Data); e != nil {
			return e
		}
	}
	if a := m.APNS; a != nil {
		if p, ok := a.Headers["apns-priority"]; ok && p != "5" && p != "10" && p != "1" {
			return invalid("message.apns.headers", "Invalid apns-priority %q: must be 1, 5 or 10.", p)
		}
		if id := a.Headers["apns-collapse-id"]; len(id) > 64 {
			return invalid("message.apns.headers", "apns-collapse-id is %d bytes; APNs allows at most 64.", len(id))
		}
		if aps, ok := a.Payload["aps"]; ok {
			if _, isObject := aps.(map[string]any); !isObject {
				return invalid("message.apns.payload", "aps must be a JSON object.")
			}
		}
	}
	if w := m.Webpush; w != nil {
		if u, ok := w.Headers["Urgency"]; ok {
			switch u {
			case "very-low", "low", "normal", "high":
			default:
				return invalid("message.webpush.headers", "Invalid Urgency header %q.", u)
			}
		}
	}
	if payloadSize(m) > maxPayload {
		// FCM answers an oversized message with a bare INVALID_ARGUMENT: no details at all.
		return &apiError{status: 400, message: "Request contains an invalid argument."}
	}
	return nil
}

// reservedData are data keys FCM keeps for itself.
var reservedData = map[string]bool{"from": true, "notification": true, "message_type": true}

func checkData(field string, data map[string]string) *apiError {
	for k := range data {
		if reservedData[k] || strings.HasPrefix(k, "google.") || strings.HasPrefix(k, "gcm.") {
			return invalid(field, "Invalid data payload key: %q is reserved.", k)
		}
	}
	return nil
}

// payloadSize approximates how FCM counts a message against its 4 KB limit: data keys and values plus
// the notification text.
func payloadSize(m *Message) int {
	n := 0
	for k, v := range m.Data {
		n += len(k) + len(v)
	}
	if m.Notification != nil {
		n += len(m.Notification.Title) + len(m.Notification.Body)
	}
	return n
}
