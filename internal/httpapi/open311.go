package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/open311"
	"github.com/quangninh/feedback/internal/workcal"
)

// Open311 answers the GeoReport v2 operations (internal/open311).
type Open311 interface {
	Services() []catalogue.Category
	Agency(id string) (catalogue.Agency, bool)
	Definition(code string) (catalogue.Category, error)
	List(ctx context.Context, q open311.Query, p open311.Partner) ([]open311.Request, error)
	Get(ctx context.Context, id string, p open311.Partner) (open311.Request, error)
	Create(ctx context.Context, p open311.Partner, in open311.NewRequest) (open311.Request, string, error)
}

// Open311Partners issues and checks partners' keys.
type Open311Partners interface {
	Issue(ctx context.Context, name, contact string, rateLimit int) (open311.Partner, string, error)
	List(ctx context.Context) ([]open311.Partner, error)
	Revoke(ctx context.Context, id string) error
	Authenticate(ctx context.Context, key string) (open311.Partner, error)
}

const open311Prefix = "/open311/v2/"

// open311Jurisdiction is the one jurisdiction this endpoint serves.
const open311Jurisdiction = "quangninh.gov.vn"

// checkJurisdiction refuses a jurisdiction_id other than this endpoint's (the standard's 404).
func checkJurisdiction(id *string) error {
	if id == nil || *id == "" || *id == open311Jurisdiction {
		return nil
	}
	return fault.New(fault.ErrNotFound, "Unknown jurisdiction_id: this endpoint serves "+open311Jurisdiction+" only.")
}

// open311Changeset is when this endpoint last changed (discovery's changeset).
var open311Changeset = time.Date(2026, 12, 2, 0, 0, 0, 0, workcal.Location())

// open311Doc is an Open311 answer, encoded here so that elements come in the standard's order in both
// formats; it satisfies every Open311 operation's response interface.
type open311Doc struct {
	status int
	xml    bool
	body   []byte
	gz     []byte // body gzipped, sent instead when set (withGzip)
	cache  string // Cache-Control; "" for public, max-age=60
}

func (d open311Doc) visit(w http.ResponseWriter) error {
	ct := "application/json; charset=utf-8"
	if d.xml {
		ct = "text/xml; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	body := d.body
	if d.gz != nil {
		h.Set("Content-Encoding", "gzip")
		body = d.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if d.cache == "" {
		d.cache = mapCacheControl
	}
	h.Set("Cache-Control", d.cache)
	h.Set("Vary", "Accept-Encoding, Accept-Language")
	w.WriteHeader(d.status)
	_, err := w.Write(body)
	return err
}

func (d open311Doc) VisitGetOpen311DiscoveryResponse(w http.ResponseWriter) error { return d.visit(w) }
func (d open311Doc) VisitListOpen311ServicesResponse(w http.ResponseWriter) error { return d.visit(w) }
func (d open311Doc) VisitGetOpen311ServiceDefinitionResponse(w http.ResponseWriter) error {
	return d.visit(w)
}
func (d open311Doc) VisitListOpen311RequestsResponse(w http.ResponseWriter) error  { return d.visit(w) }
func (d open311Doc) VisitCreateOpen311RequestResponse(w http.ResponseWriter) error { return d.visit(w) }
func (d open311Doc) VisitGetOpen311RequestResponse(w http.ResponseWriter) error    { return d.visit(w) }

// encodeOpen311 encodes v as JSON, or as XML under root (v's elements inside it).
func encodeOpen311(status int, asXML bool, root string, v any) (open311Doc, error) {
	var b bytes.Buffer
	if !asXML {
		if err := encodeJSON(&b, v); err != nil {
			return open311Doc{}, err
		}
		return open311Doc{status: status, body: b.Bytes()}, nil
	}
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	start := xml.StartElement{Name: xml.Name{Local: root}}
	var err error
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
		// A list is its elements inside the root (each names itself: request, service, error).
		err = enc.EncodeToken(start)
		for i := 0; err == nil && i < rv.Len(); i++ {
			err = enc.Encode(rv.Index(i).Interface())
		}
		if err == nil {
			err = enc.EncodeToken(start.End())
		}
	} else {
		err = enc.EncodeElement(v, start)
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		return open311Doc{}, err
	}
	return open311Doc{status: status, xml: true, body: b.Bytes()}, nil
}

// privateIf marks an answer for one partner's eyes (its own requests in full) as not to be stored by any
// cache; public answers may be cached for a minute, as the map's.
func privateIf(private bool) func(open311Doc, error) (open311Doc, error) {
	return func(d open311Doc, err error) (open311Doc, error) {
		if private {
			d.cache = "private, no-store"
		}
		return d, err
	}
}

// The wire forms, in the standard's element order.
type (
	o311Discovery struct {
		Changeset  string         `json:"changeset" xml:"changeset"`
		Contact    string         `json:"contact" xml:"contact"`
		KeyService string         `json:"key_service" xml:"key_service"`
		Endpoints  []o311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
	}
	o311Endpoint struct {
		Specification string   `json:"specification" xml:"specification"`
		URL           string   `json:"url" xml:"url"`
		Changeset     string   `json:"changeset" xml:"changeset"`
		Type          string   `json:"type" xml:"type"`
		Formats       []string `json:"formats" xml:"formats>format"`
	}
	o311Service struct {
		XMLName     xml.Name `json:"-" xml:"service"`
		Code        string   `json:"service_code" xml:"service_code"`
		Name        string   `json:"service_name" xml:"service_name"`
		Description string   `json:"description" xml:"description"`
		Metadata    bool     `json:"metadata" xml:"metadata"`
		Type        string   `json:"type" xml:"type"`
		Keywords    string   `json:"keywords" xml:"keywords"`
		Group       string   `json:"group" xml:"group"`
	}
	o311Definition struct {
		Code       string          `json:"service_code" xml:"service_code"`
		Attributes []o311Attribute `json:"attributes" xml:"attributes>attribute"`
	}
	o311Attribute struct {
		Variable            bool        `json:"variable" xml:"variable"`
		Code                string      `json:"code" xml:"code"`
		Datatype            string      `json:"datatype" xml:"datatype"`
		Required            bool        `json:"required" xml:"required"`
		DatatypeDescription string      `json:"datatype_description" xml:"datatype_description"`
		Order               int         `json:"order" xml:"order"`
		Description         string      `json:"description" xml:"description"`
		Values              []o311Value `json:"values" xml:"values>value"`
	}
	o311Value struct {
		Key  string `json:"key" xml:"key"`
		Name string `json:"name" xml:"name"`
	}
	o311Request struct {
		XMLName           xml.Name `json:"-" xml:"request"`
		ID                string   `json:"service_request_id" xml:"service_request_id"`
		Status            string   `json:"status" xml:"status"`
		StatusNotes       optText  `json:"status_notes" xml:"status_notes"`
		ServiceName       optText  `json:"service_name" xml:"service_name"`
		ServiceCode       string   `json:"service_code" xml:"service_code"`
		Description       optText  `json:"description" xml:"description"`
		AgencyResponsible optText  `json:"agency_responsible" xml:"agency_responsible"`
		ServiceNotice     optText  `json:"service_notice" xml:"service_notice"`
		RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
		UpdatedDatetime   optText  `json:"updated_datetime" xml:"updated_datetime"`
		ExpectedDatetime  optText  `json:"expected_datetime" xml:"expected_datetime"`
		Address           optText  `json:"address" xml:"address"`
		AddressID         optText  `json:"address_id" xml:"address_id"`
		Zipcode           optText  `json:"zipcode" xml:"zipcode"`
		Lat               float64  `json:"lat" xml:"lat"`
		Long              float64  `json:"long" xml:"long"`
		MediaURL          optText  `json:"media_url" xml:"media_url"`
	}
	o311Created struct {
		XMLName       xml.Name `json:"-" xml:"request"`
		ID            string   `json:"service_request_id" xml:"service_request_id"`
		ServiceNotice optText  `json:"service_notice" xml:"service_notice"`
		AccountID     optText  `json:"account_id" xml:"account_id"`
	}
	o311Error struct {
		XMLName     xml.Name `json:"-" xml:"error"`
		Code        int      `json:"code" xml:"code"`
		Description string   `json:"description" xml:"description"`
	}
)

// optText is an element that may be unknown: null in JSON, an empty element in XML (the standard lists
// every element of a request, known or not).
type optText struct {
	text  string
	known bool
}

func (t optText) MarshalJSON() ([]byte, error) {
	if !t.known {
		return []byte("null"), nil
	}
	return json.Marshal(t.text)
}

func (t optText) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(t.text, start)
}

// w3c formats a time as the standard wants it: W3C, with the Vietnam offset; unknown when zero.
func w3c(t time.Time) optText {
	if t.IsZero() {
		return optText{}
	}
	return optText{t.In(workcal.Location()).Format(time.RFC3339), true}
}

func nonEmpty(s string) optText { return optText{s, s != ""} }

// english reports whether the caller prefers English to Vietnamese (Accept-Language); Vietnamese otherwise.
func english(ctx context.Context) bool {
	c, ok := ginContext(ctx)
	return ok && preferredLanguage(c.GetHeader("Accept-Language")) == "en"
}

func pick(en bool, vi, eng string) string {
	if en && eng != "" {
		return eng
	}
	return vi
}

// splitFormat cuts ".json" or ".xml" off a path segment.
func splitFormat(segment string) (name string, asXML bool) {
	if name, ok := strings.CutSuffix(segment, ".xml"); ok {
		return name, true
	}
	name, _ = strings.CutSuffix(segment, ".json")
	return name, false
}

// GetOpen311Discovery describes the endpoint.
func (s *Server) GetOpen311Discovery(ctx context.Context, req api.GetOpen311DiscoveryRequestObject) (api.GetOpen311DiscoveryResponseObject, error) {
	base := "http://localhost" + open311Prefix
	if c, ok := ginContext(ctx); ok {
		scheme := "http"
		if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host + open311Prefix
	}
	changeset := w3c(open311Changeset).text
	d := o311Discovery{Changeset: changeset,
		Contact:    "Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Quảng Ninh (Provincial Smart City Operations Centre)",
		KeyService: "Partners ask the operations centre for an api_key; an admin issues it.",
		Endpoints: []o311Endpoint{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: base, Changeset: changeset,
			Type: "production", Formats: []string{"text/xml", "application/json"}}}}
	return encodeOpen311(http.StatusOK, req.Format == "xml", "discovery", d)
}

// ListOpen311Services lists the categories as services.
func (s *Server) ListOpen311Services(ctx context.Context, req api.ListOpen311ServicesRequestObject) (api.ListOpen311ServicesResponseObject, error) {
	if err := checkJurisdiction(req.Params.JurisdictionId); err != nil {
		return nil, err
	}
	en := english(ctx)
	out := []o311Service{}
	for _, c := range s.deps.Open311.Services() {
		desc := pick(en, c.NameVi, c.NameEn)
		if c.Sensitive {
			desc += pick(en, " (không công khai)", " (never shown publicly)")
		}
		keywords := append([]string{c.NameVi, c.NameEn}, c.Keywords...)
		out = append(out, o311Service{Code: c.Code, Name: pick(en, c.NameVi, c.NameEn), Description: desc,
			Metadata: len(c.Attributes) > 0, Type: "realtime", Keywords: strings.Join(keywords, ", "), Group: c.Group})
	}
	return encodeOpen311(http.StatusOK, req.Format == "xml", "services", out)
}

// GetOpen311ServiceDefinition gives a service's attributes.
func (s *Server) GetOpen311ServiceDefinition(ctx context.Context, req api.GetOpen311ServiceDefinitionRequestObject) (api.GetOpen311ServiceDefinitionResponseObject, error) {
	if err := checkJurisdiction(req.Params.JurisdictionId); err != nil {
		return nil, err
	}
	code, asXML := splitFormat(req.Service)
	c, err := s.deps.Open311.Definition(code)
	if err != nil {
		return nil, err
	}
	en := english(ctx)
	def := o311Definition{Code: c.Code, Attributes: []o311Attribute{}}
	for i, a := range c.Attributes {
		oa := o311Attribute{Variable: true, Code: a.Code, Datatype: string(a.Type), Required: a.Required,
			DatatypeDescription: "", Order: i + 1, Description: pick(en, a.DescriptionVi, a.DescriptionEn), Values: []o311Value{}}
		for _, v := range a.Values {
			oa.Values = append(oa.Values, o311Value{Key: v.Key, Name: pick(en, v.NameVi, v.NameEn)})
		}
		def.Attributes = append(def.Attributes, oa)
	}
	return encodeOpen311(http.StatusOK, asXML, "service_definition", def)
}

// partner authenticates an optional api_key: the zero Partner without one.
func (s *Server) partner(ctx context.Context, key *string) (open311.Partner, error) {
	if key == nil || *key == "" {
		return open311.Partner{}, nil
	}
	return s.deps.Open311Partners.Authenticate(ctx, *key)
}

// ListOpen311Requests answers GET requests.
func (s *Server) ListOpen311Requests(ctx context.Context, req api.ListOpen311RequestsRequestObject) (api.ListOpen311RequestsResponseObject, error) {
	if err := checkJurisdiction(req.Params.JurisdictionId); err != nil {
		return nil, err
	}
	p, err := s.partner(ctx, req.Params.ApiKey)
	if err != nil {
		return nil, err
	}
	str := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	prm := req.Params
	en := english(ctx)
	// build may run after this call returned (a background rebuild): it reads nothing of the gin context.
	build := func(ctx context.Context) (open311Doc, error) {
		q, err := open311.ParseQuery(str(prm.ServiceRequestId), str(prm.ServiceCode), str(prm.StartDate), str(prm.EndDate), str(prm.Status), time.Now())
		if err != nil {
			return open311Doc{}, err
		}
		rs, err := s.deps.Open311.List(ctx, q, p)
		if err != nil {
			return open311Doc{}, err
		}
		out, err := s.open311Requests(ctx, en, rs)
		if err != nil {
			return open311Doc{}, err
		}
		return privateIf(p.ID != "")(encodeOpen311(http.StatusOK, req.Format == "xml", "service_requests", out))
	}
	var d open311Doc
	if p.ID != "" {
		d, err = build(ctx)
	} else {
		// The same public answer for everyone asking the same thing in the same language.
		key := strings.Join([]string{req.Format, strconv.FormatBool(en), str(prm.ServiceRequestId), str(prm.ServiceCode),
			str(prm.StartDate), str(prm.EndDate), str(prm.Status)}, "\x00")
		d, err = s.open311Lists.get(ctx, key, build)
	}
	if err != nil {
		return nil, err
	}
	return withGzip(ctx, d), nil
}

// GetOpen311Request answers GET requests/{id}: a list of one.
func (s *Server) GetOpen311Request(ctx context.Context, req api.GetOpen311RequestRequestObject) (api.GetOpen311RequestResponseObject, error) {
	if err := checkJurisdiction(req.Params.JurisdictionId); err != nil {
		return nil, err
	}
	id, asXML := splitFormat(req.ServiceRequest)
	p, err := s.partner(ctx, req.Params.ApiKey)
	if err != nil {
		return nil, err
	}
	r, err := s.deps.Open311.Get(ctx, id, p)
	if err != nil {
		return nil, err
	}
	out, err := s.open311Requests(ctx, english(ctx), []open311.Request{r})
	if err != nil {
		return nil, err
	}
	return privateIf(p.ID != "")(encodeOpen311(http.StatusOK, asXML, "service_requests", out))
}

// CreateOpen311Request files a partner's request.
func (s *Server) CreateOpen311Request(ctx context.Context, req api.CreateOpen311RequestRequestObject) (api.CreateOpen311RequestResponseObject, error) {
	b := req.Body
	if err := checkJurisdiction(b.JurisdictionId); err != nil {
		return nil, err
	}
	if b.ApiKey == nil || *b.ApiKey == "" {
		return nil, open311.ErrBadKey
	}
	p, err := s.deps.Open311Partners.Authenticate(ctx, *b.ApiKey)
	if err != nil {
		return nil, err
	}
	str := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	in := open311.NewRequest{Service: b.ServiceCode, Lat: str(b.Lat), Long: str(b.Long), Address: str(b.AddressString),
		Description: str(b.Description), PublishConsent: b.PublishConsent != nil && *b.PublishConsent == "true",
		Attributes: map[string][]string{}}
	in.Phone, in.FirstName, in.LastName, in.Email = str(b.Phone), str(b.FirstName), str(b.LastName), str(b.Email)
	for name, v := range map[string]*string{"media_url": b.MediaUrl, "address_id": b.AddressId, "device_id": b.DeviceId, "account_id": b.AccountId} {
		if str(v) != "" {
			in.Unsupported = append(in.Unsupported, name)
		}
	}
	slices.Sort(in.Unsupported)
	if c, ok := ginContext(ctx); ok {
		for k, vs := range c.Request.PostForm {
			// attribute[code], or attribute[code][] for a multivaluelist.
			if code, ok := strings.CutPrefix(strings.TrimSuffix(k, "[]"), "attribute["); ok && strings.HasSuffix(code, "]") {
				code = strings.TrimSuffix(code, "]")
				in.Attributes[code] = append(in.Attributes[code], vs...)
			}
		}
	}
	r, _, err := s.deps.Open311.Create(ctx, p, in)
	if err != nil {
		return nil, err
	}
	a, _ := s.deps.Open311.Agency(r.AgencyID)
	notice := "Đã chuyển đến " + a.NameVi + " / Sent to " + a.NameEn
	if a.NameVi == "" {
		notice = ""
	}
	out := []o311Created{{ID: r.ID, ServiceNotice: nonEmpty(notice)}}
	return privateIf(true)(encodeOpen311(http.StatusOK, req.Format == "xml", "service_requests", out))
}

// open311Requests turns requests into their wire form, with agency and service names in the caller's
// language and a link to the public photo.
func (s *Server) open311Requests(ctx context.Context, en bool, rs []open311.Request) ([]o311Request, error) {
	cats := map[string]catalogue.Category{}
	for _, c := range s.deps.Open311.Services() {
		cats[c.Code] = c
	}
	out := make([]o311Request, 0, len(rs))
	for _, r := range rs {
		o := o311Request{ID: r.ID, Status: string(r.Status), StatusNotes: nonEmpty(r.StatusNotes), ServiceCode: r.ServiceCode,
			Description: nonEmpty(r.Description), RequestedDatetime: w3c(r.Requested).text, UpdatedDatetime: w3c(r.Updated),
			ExpectedDatetime: w3c(r.Expected), Address: nonEmpty(r.Address), Lat: r.Lat, Long: r.Long}
		if c, ok := cats[r.ServiceCode]; ok {
			o.ServiceName = nonEmpty(pick(en, c.NameVi, c.NameEn))
		}
		if a, ok := s.deps.Open311.Agency(r.AgencyID); ok {
			o.AgencyResponsible = nonEmpty(pick(en, a.NameVi, a.NameEn))
		}
		if r.PhotoKey != "" {
			u, err := s.deps.Presigner.PresignGet(ctx, r.PhotoKey, photoURLTTL)
			if err != nil {
				return nil, err
			}
			o.MediaURL = nonEmpty(u)
		}
		out = append(out, o)
	}
	return out, nil
}

// writeOpen311Error answers an error on an Open311 route in the standard's format: a list of code and
// description, JSON or XML by the path's suffix.
func (s *Server) writeOpen311Error(c *gin.Context, p api.Problem) {
	// The standard's statuses: 404 for what does not exist, 403 for a missing or bad api_key, 400 for any
	// other refusal; beyond it, 429 and 5xx keep their meaning (with Retry-After) for the caller's retries.
	switch {
	case p.Status == http.StatusUnauthorized:
		p.Status = http.StatusForbidden
	case p.Status >= 400 && p.Status < 500 && p.Status != http.StatusForbidden && p.Status != http.StatusNotFound &&
		p.Status != http.StatusTooManyRequests:
		p.Status = http.StatusBadRequest
	}
	var errs []o311Error
	if p.Errors != nil {
		for _, f := range *p.Errors {
			errs = append(errs, o311Error{Code: p.Status, Description: open311Field(f.Field) + ": " + f.Message})
		}
	}
	if len(errs) == 0 {
		desc := p.Title
		if p.Detail != nil {
			desc = *p.Detail
		}
		errs = append(errs, o311Error{Code: p.Status, Description: desc})
	}
	path := strings.TrimSuffix(c.Request.URL.Path, "/")
	doc, err := encodeOpen311(p.Status, strings.HasSuffix(path, ".xml"), "errors", errs)
	if err != nil {
		doc = open311Doc{status: http.StatusInternalServerError, body: []byte(`[{"code":500,"description":"internal error"}]`)}
	}
	doc.cache = "no-store"
	_ = doc.visit(c.Writer)
	c.Abort()
}

// open311Field names a field as an Open311 client knows it: "query.start_date" → "start_date".
func open311Field(f string) string {
	for _, prefix := range []string{"query.", "body.", "path."} {
		if s, ok := strings.CutPrefix(f, prefix); ok {
			return s
		}
	}
	return f
}

// ListOpen311Partners lists the partners.
func (s *Server) ListOpen311Partners(ctx context.Context, _ api.ListOpen311PartnersRequestObject) (api.ListOpen311PartnersResponseObject, error) {
	ps, err := s.deps.Open311Partners.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make(api.ListOpen311Partners200JSONResponse, len(ps))
	for i, p := range ps {
		out[i] = toAPIPartner(p)
	}
	return out, nil
}

// CreateOpen311Partner issues a key.
func (s *Server) CreateOpen311Partner(ctx context.Context, req api.CreateOpen311PartnerRequestObject) (api.CreateOpen311PartnerResponseObject, error) {
	p, key, err := s.deps.Open311Partners.Issue(ctx, req.Body.Name, req.Body.Contact, req.Body.RateLimitPerMinute)
	if err != nil {
		return nil, err
	}
	return api.CreateOpen311Partner201JSONResponse{Partner: toAPIPartner(p), ApiKey: key}, nil
}

// RevokeOpen311Partner revokes a key.
func (s *Server) RevokeOpen311Partner(ctx context.Context, req api.RevokeOpen311PartnerRequestObject) (api.RevokeOpen311PartnerResponseObject, error) {
	if err := s.deps.Open311Partners.Revoke(ctx, req.Id); err != nil {
		return nil, err
	}
	return api.RevokeOpen311Partner204Response{}, nil
}

func toAPIPartner(p open311.Partner) api.Open311Partner {
	out := api.Open311Partner{Id: p.ID, Name: p.Name, Contact: p.Contact, RateLimitPerMinute: p.RateLimit, CreatedAt: p.CreatedAt}
	if !p.RevokedAt.IsZero() {
		out.RevokedAt = &p.RevokedAt
	}
	return out
}
