package fcmstandin

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// ErrorCode is an FCM v1 error code, sent in a type.googleapis.com/google.firebase.fcm.v1.FcmError detail.
type ErrorCode string

// The FCM error codes the stand-in can answer with.
const (
	Unregistered        ErrorCode = "UNREGISTERED"           // 404: the app was uninstalled or the token expired
	InvalidArgument     ErrorCode = "INVALID_ARGUMENT"       // 400
	QuotaExceeded       ErrorCode = "QUOTA_EXCEEDED"         // 429: per project, per device or per topic rate
	Unavailable         ErrorCode = "UNAVAILABLE"            // 503: overloaded
	Internal            ErrorCode = "INTERNAL"               // 500
	SenderIDMismatch    ErrorCode = "SENDER_ID_MISMATCH"     // 403: the token belongs to another project
	ThirdPartyAuthError ErrorCode = "THIRD_PARTY_AUTH_ERROR" // 401: APNs or web push credentials refused
	// BadCredentials is not an FCM code: Google's front end refusing the sender's OAuth token (a revoked
	// service-account key) answers 401 UNAUTHENTICATED with no FcmError detail.
	BadCredentials ErrorCode = "UNAUTHENTICATED"
)

// codeInfo is the HTTP status, canonical google.rpc status and message FCM pairs with each error code.
var codeInfo = map[ErrorCode]struct {
	http    int
	status  string
	message string
}{
	Unregistered:        {http.StatusNotFound, "NOT_FOUND", "Requested entity was not found."},
	InvalidArgument:     {http.StatusBadRequest, "INVALID_ARGUMENT", "Request contains an invalid argument."},
	QuotaExceeded:       {http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Messages'."},
	Unavailable:         {http.StatusServiceUnavailable, "UNAVAILABLE", "The service is currently unavailable."},
	Internal:            {http.StatusInternalServerError, "INTERNAL", "Internal error encountered."},
	SenderIDMismatch:    {http.StatusForbidden, "PERMISSION_DENIED", "SenderId mismatch"},
	ThirdPartyAuthError: {http.StatusUnauthorized, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"},
	BadCredentials:      {http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."},
}

// Fault is an error answer the stand-in gives instead of accepting a message.
type Fault struct {
	Code ErrorCode
	// RetryAfter, when positive, is sent as a Retry-After header in whole seconds (rounded up).
	RetryAfter time.Duration
}

func (f Fault) apiError() *apiError {
	info, ok := codeInfo[f.Code]
	if !ok {
		info = codeInfo[Internal]
	}
	return &apiError{status: info.http, code: f.Code, message: info.message, retry: f.RetryAfter}
}

// statusForHTTP is the canonical google.rpc status Google front ends pair with an HTTP status.
func statusForHTTP(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED"
	default:
		if code >= 500 {
			return "INTERNAL"
		}
		return "UNKNOWN"
	}
}

// writeError writes e in FCM's error format:
//
//	{"error": {"code": 404, "message": "...", "status": "NOT_FOUND",
//	  "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}}
//
// firebase-admin-go reads "status" for the platform code and the FcmError detail for the messaging code.
func writeError(w http.ResponseWriter, e *apiError) {
	type fieldViolation struct {
		Field       string `json:"field"`
		Description string `json:"description"`
	}
	type detail struct {
		Type            string           `json:"@type"`
		ErrorCode       ErrorCode        `json:"errorCode,omitempty"`
		FieldViolations []fieldViolation `json:"fieldViolations,omitempty"`
	}
	type status struct {
		Code    int      `json:"code"`
		Message string   `json:"message"`
		Status  string   `json:"status"`
		Details []detail `json:"details,omitempty"`
	}
	s := status{Code: e.status, Message: e.message, Status: statusForHTTP(e.status)}
	if info, ok := codeInfo[e.code]; ok {
		s.Status = info.status
	}
	if e.code != "" && e.code != BadCredentials {
		s.Details = append(s.Details, detail{Type: "type.googleapis.com/google.firebase.fcm.v1.FcmError", ErrorCode: e.code})
	}
	if e.field != "" {
		s.Details = append(s.Details, detail{
			Type:            "type.googleapis.com/google.rpc.BadRequest",
			FieldViolations: []fieldViolation{{Field: e.field, Description: e.message}},
		})
	}
	if e.retry > 0 {
		secs := (e.retry + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]status{"error": s})
}
