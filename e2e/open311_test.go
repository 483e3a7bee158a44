package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// The GeoReport v2 documents as an Open311 client decodes them, from the standard's element names.
type (
	xmlRequest struct {
		ID                string  `xml:"service_request_id"`
		Status            string  `xml:"status"`
		StatusNotes       string  `xml:"status_notes"`
		ServiceName       string  `xml:"service_name"`
		ServiceCode       string  `xml:"service_code"`
		AgencyResponsible string  `xml:"agency_responsible"`
		RequestedDatetime string  `xml:"requested_datetime"`
		ExpectedDatetime  string  `xml:"expected_datetime"`
		Address           string  `xml:"address"`
		Lat               float64 `xml:"lat"`
		Long              float64 `xml:"long"`
		MediaURL          string  `xml:"media_url"`
	}
	xmlRequests struct {
		XMLName  xml.Name     `xml:"service_requests"`
		Requests []xmlRequest `xml:"request"`
	}
	xmlService struct {
		Code     string `xml:"service_code"`
		Name     string `xml:"service_name"`
		Metadata bool   `xml:"metadata"`
		Type     string `xml:"type"`
	}
	xmlServices struct {
		XMLName  xml.Name     `xml:"services"`
		Services []xmlService `xml:"service"`
	}
	xmlErrors struct {
		XMLName xml.Name `xml:"errors"`
		Errors  []struct {
			Code        int    `xml:"code"`
			Description string `xml:"description"`
		} `xml:"error"`
	}
	jsonRequest struct {
		ID                string  `json:"service_request_id"`
		Status            string  `json:"status"`
		ServiceCode       string  `json:"service_code"`
		StatusNotes       *string `json:"status_notes"`
		RequestedDatetime string  `json:"requested_datetime"`
		Address           *string `json:"address"`
		Lat               float64 `json:"lat"`
		Long              float64 `json:"long"`
		MediaURL          *string `json:"media_url"`
	}
)

func TestOpen311Client(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()

	// An admin issues a key to a partner.
	admin := staffLogin(t, c, "demo.admin", "Quang-Ninh-Admin-2026")
	issued, err := c.CreateOpen311PartnerWithResponse(ctx, api.Open311PartnerInput{Name: "Hạ Long Bay app", Contact: "dev@halong.example", RateLimitPerMinute: 100}, admin)
	if err != nil || issued.JSON201 == nil {
		t.Fatalf("issue key: %v %s", err, issued.Body)
	}
	key := issued.JSON201.ApiKey

	// Discovery, then the services, then the definition of one with attributes.
	disc, err := c.GetOpen311DiscoveryWithResponse(ctx, "json")
	if err != nil || disc.JSON200 == nil || len(disc.JSON200.Endpoints) != 1 || !strings.HasSuffix(disc.JSON200.Endpoints[0].Url, "/open311/v2/") {
		t.Fatalf("discovery: %v %s", err, disc.Body)
	}
	base := disc.JSON200.Endpoints[0].Url
	services, err := c.ListOpen311ServicesWithResponse(ctx, "json", nil)
	if err != nil || services.JSON200 == nil {
		t.Fatalf("services: %v %s", err, services.Body)
	}
	var flooding *api.Open311Service
	for i, s := range *services.JSON200 {
		if s.ServiceCode == "flooding" {
			flooding = &(*services.JSON200)[i]
		}
	}
	if flooding == nil || !flooding.Metadata || flooding.Type != "realtime" || flooding.Group != "urban" || !strings.Contains(flooding.Keywords, "Flooding") {
		t.Fatalf("flooding service: %+v", flooding)
	}
	// The same services as XML, named in English when the client prefers it.
	sx, err := c.ListOpen311ServicesWithResponse(ctx, "xml", nil, func(_ context.Context, r *http.Request) error {
		r.Header.Set("Accept-Language", "en-GB,en;q=0.9")
		return nil
	})
	var servicesXML xmlServices
	if err != nil || xml.Unmarshal(sx.Body, &servicesXML) != nil || len(servicesXML.Services) != len(*services.JSON200) ||
		!slices.ContainsFunc(servicesXML.Services, func(s xmlService) bool {
			return s.Code == "flooding" && s.Name == "Flooding" && s.Metadata && s.Type == "realtime"
		}) {
		t.Errorf("services.xml: %v %s", err, sx.Body)
	}
	elsewhere := "hanoi.gov.vn"
	if r, _ := c.ListOpen311ServicesWithResponse(ctx, "xml", &api.ListOpen311ServicesParams{JurisdictionId: &elsewhere}); r.StatusCode() != http.StatusNotFound ||
		!strings.Contains(string(r.Body), "<errors><error><code>404</code>") {
		t.Errorf("another jurisdiction: %d %s", r.StatusCode(), r.Body)
	}
	// Tokens are not needed here (requests are real-time): the route does not exist, said the standard's way.
	if resp, err := http.Get(base + "tokens/123.xml"); err != nil {
		t.Fatal(err)
	} else {
		var errs xmlErrors
		err := xml.NewDecoder(resp.Body).Decode(&errs)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusNotFound || len(errs.Errors) != 1 || errs.Errors[0].Code != http.StatusNotFound {
			t.Errorf("tokens: %d %v %+v", resp.StatusCode, err, errs)
		}
	}
	def, err := c.GetOpen311ServiceDefinitionWithResponse(ctx, "flooding.json", nil)
	if err != nil || def.JSON200 == nil || len(def.JSON200.Attributes) != 1 {
		t.Fatalf("definition: %v %s", err, def.Body)
	}
	attr := def.JSON200.Attributes[0]
	if attr.Code != "water_depth" || !attr.Required || attr.Datatype != "singlevaluelist" || len(attr.Values) == 0 {
		t.Fatalf("attribute: %+v", attr)
	}

	post := func(format string, form url.Values) *http.Response {
		t.Helper()
		resp, err := http.PostForm(base+"requests."+format, form)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	form := url.Values{"api_key": {key}, "service_code": {"flooding"}, "lat": {"20.9516"}, "long": {"107.0802"},
		"address_string": {"12 Lê Thánh Tông, Hồng Gai"}, "description": {"Nước ngập sâu trước cổng chợ sau mưa lớn"}}

	// Refusals, in the standard's error format: no attribute (400), contact data (400), a bad key (403).
	for _, tc := range []struct {
		name   string
		edit   func(url.Values)
		status int
		field  string
	}{
		{"no attribute", func(url.Values) {}, http.StatusBadRequest, "attribute[water_depth]"},
		{"bad email", func(f url.Values) { f.Set("attribute[water_depth]", "knee"); f.Set("email", "lan at example.vn") }, http.StatusBadRequest, "email"},
		{"names alone", func(f url.Values) { f.Set("attribute[water_depth]", "knee"); f.Set("first_name", "Lan") }, http.StatusBadRequest, "first_name"},
		{"photo link", func(f url.Values) {
			f.Set("attribute[water_depth]", "knee")
			f.Set("media_url", "http://x.example/a.jpg")
		}, http.StatusBadRequest, "media_url"},
		{"unknown value", func(f url.Values) { f.Set("attribute[water_depth]", "waist") }, http.StatusBadRequest, "attribute[water_depth]"},
		{"bad key", func(f url.Values) { f.Set("api_key", "nope.nope") }, http.StatusForbidden, "api_key"},
		{"unknown service", func(f url.Values) { f.Set("service_code", "unicorns") }, http.StatusNotFound, "service_code"},
		{"outside the province", func(f url.Values) {
			f.Set("attribute[water_depth]", "knee")
			f.Set("lat", "21.0285")
			f.Set("long", "105.8542")
		}, http.StatusBadRequest, "outside"},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		tc.edit(f)
		resp := post("xml", f)
		var errs xmlErrors
		if err := xml.NewDecoder(resp.Body).Decode(&errs); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status || len(errs.Errors) == 0 || errs.Errors[0].Code != tc.status ||
			!strings.Contains(errs.Errors[0].Description, tc.field) {
			t.Errorf("%s: %d %+v", tc.name, resp.StatusCode, errs)
		}
	}

	// Filed: the ID comes back at once.
	form.Set("attribute[water_depth]", "knee")
	resp := post("json", form)
	var ids []api.Open311Created
	err = json.NewDecoder(resp.Body).Decode(&ids)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(ids) != 1 || !strings.HasPrefix(ids[0].ServiceRequestId, "QN-") ||
		ids[0].ServiceNotice == nil {
		t.Fatalf("post: %v %d %+v", err, resp.StatusCode, ids)
	}
	id := ids[0].ServiceRequestId

	// The partner sees it in full, in both formats; nobody else sees it (not public).
	own, err := c.GetOpen311RequestWithResponse(ctx, id+".json", &api.GetOpen311RequestParams{ApiKey: &key})
	var got []jsonRequest
	if err != nil || json.Unmarshal(own.Body, &got) != nil || len(got) != 1 {
		t.Fatalf("get own: %v %s", err, own.Body)
	}
	if g := got[0]; g.ID != id || g.Status != "open" || g.ServiceCode != "flooding" || g.Lat != 20.9516 || g.Long != 107.0802 ||
		g.Address == nil || *g.Address != "12 Lê Thánh Tông, Hồng Gai" || !strings.HasSuffix(g.RequestedDatetime, "+07:00") {
		t.Errorf("own request: %s", own.Body)
	}
	if cc := own.HTTPResponse.Header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("a partner's own request may be cached: %q", cc)
	}
	ownXML, err := c.GetOpen311RequestWithResponse(ctx, id+".xml", &api.GetOpen311RequestParams{ApiKey: &key})
	var gx xmlRequests
	if err != nil || xml.Unmarshal(ownXML.Body, &gx) != nil || len(gx.Requests) != 1 || gx.Requests[0].ID != id ||
		gx.Requests[0].Status != "open" || gx.Requests[0].ExpectedDatetime == "" || gx.Requests[0].AgencyResponsible == "" {
		t.Errorf("own request as XML: %v %s", err, ownXML.Body)
	}
	if got := childElements(t, ownXML.Body); !slices.Equal(got, []string{"service_request_id", "status", "status_notes", "service_name",
		"service_code", "description", "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
		"expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}) {
		t.Errorf("a request's elements: %v", got)
	}
	if r, _ := c.GetOpen311RequestWithResponse(ctx, id+".json", nil); r.StatusCode() != http.StatusNotFound {
		t.Errorf("someone else's: %d %s", r.StatusCode(), r.Body)
	}

	// A reporter's phone makes the request that resident's: they find it in the app once signed in, and
	// erasing the account erases their name with it (the request stays, anonymous).
	withPhone := url.Values{}
	for k, v := range form {
		withPhone[k] = v
	}
	withPhone.Set("phone", "0912 345 678")
	withPhone.Set("email", "lan.phone@example.vn")
	withPhone.Set("first_name", "Lan")
	withPhone.Set("last_name", "Nguyễn")
	resp = post("json", withPhone)
	var filed []api.Open311Created
	err = json.NewDecoder(resp.Body).Decode(&filed)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(filed) != 1 {
		t.Fatalf("post with phone: %v %d", err, resp.StatusCode)
	}
	resident := bearer(signInResident(t, c, "0912345678").AccessToken)
	mine, err := c.ListMyReportsWithResponse(ctx, nil, resident)
	if err != nil || mine.JSON200 == nil || len(mine.JSON200.Items) != 1 || mine.JSON200.Items[0].Code != filed[0].ServiceRequestId {
		t.Fatalf("the resident's reports: %v %s", err, mine.Body)
	}
	me, err := c.GetMeWithResponse(ctx, resident)
	if err != nil || me.JSON200 == nil || me.JSON200.DisplayName == nil || *me.JSON200.DisplayName != "Lan Nguyễn" {
		t.Errorf("the resident's name: %v %s", err, me.Body)
	}
	if r, _ := c.ListOpen311ContactsWithResponse(ctx, &api.ListOpen311ContactsParams{Email: "lan.phone@example.vn"}, admin); r.JSON200 == nil ||
		len(*r.JSON200) != 1 || (*r.JSON200)[0].ResidentId == nil || *(*r.JSON200)[0].ResidentId != me.JSON200.Id || *(*r.JSON200)[0].Phone != "+84912345678" {
		t.Errorf("the contact sent with the phone: %s", r.Body)
	}
	if ex, err := c.ExportMeWithResponse(ctx, resident); err != nil || ex.JSON200 == nil || len(ex.JSON200.PartnerContacts) != 1 ||
		ex.JSON200.PartnerContacts[0].Email == nil || *ex.JSON200.PartnerContacts[0].Email != "lan.phone@example.vn" ||
		ex.JSON200.PartnerContacts[0].ServiceRequestId != filed[0].ServiceRequestId {
		t.Errorf("the resident's export lacks the partner's contact: %v %s", err, ex.Body)
	}
	if r, err := c.DeleteMeWithResponse(ctx, resident); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("erase: %v", err)
	}
	if r, _ := c.GetOpen311RequestWithResponse(ctx, filed[0].ServiceRequestId+".json", &api.GetOpen311RequestParams{ApiKey: &key}); r.StatusCode() != http.StatusOK ||
		strings.Contains(string(r.Body), "Lan") {
		t.Errorf("the partner's view after erasure: %d %s", r.StatusCode(), r.Body)
	}
	if r, _ := c.ListOpen311ContactsWithResponse(ctx, &api.ListOpen311ContactsParams{Email: "lan.phone@example.vn"}, admin); r.JSON200 == nil || len(*r.JSON200) != 0 {
		t.Errorf("the contact sent with the phone after the account's erasure: %s", r.Body)
	}

	// An email without phone: the request is anonymous, its contact kept with it for the staff handling
	// it, never in an Open311 answer nor public; an admin finds and erases it by the email.
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	byEmail := url.Values{"api_key": {key}, "service_code": {"noise"}, "lat": {"20.955"}, "long": {"107.045"}, "publish_consent": {"true"},
		"description": {"Quán karaoke mở nhạc rất to sau nửa đêm"}, "email": {"Minh.Tran@Example.VN"}, "first_name": {"Minh"}, "last_name": {"Trần"}}
	resp = post("xml", byEmail)
	var created xmlRequests
	err = xml.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(created.Requests) != 1 {
		t.Fatalf("post with email: %v %d", err, resp.StatusCode)
	}
	code := created.Requests[0].ID
	q, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, officer)
	ticketID := ""
	for _, it := range q.JSON200.Items {
		if it.Code == code {
			ticketID = it.Id
		}
	}
	if ticketID == "" {
		t.Fatalf("%s is not in the officer's queue: %s", code, q.Body)
	}
	tk, _ := c.GetTicketWithResponse(ctx, ticketID, officer)
	if tk.JSON200 == nil || tk.JSON200.ReporterContact == nil || tk.JSON200.ReporterContact.Email == nil ||
		*tk.JSON200.ReporterContact.Email != "minh.tran@example.vn" || *tk.JSON200.ReporterContact.FirstName != "Minh" ||
		tk.JSON200.ReporterContact.Phone != nil || tk.JSON200.ReporterContact.ServiceRequestId != code {
		t.Errorf("the ticket's reporter contact: %s", tk.Body)
	}
	for _, a := range []api.TicketActionAction{api.Accept, api.Start} {
		actOnTicket(t, c, officer, ticketID, api.TicketAction{Action: a})
	}
	done := "Đã nhắc nhở chủ quán"
	actOnTicket(t, c, officer, ticketID, api.TicketAction{Action: api.Resolve, Note: &done})
	for _, asPartner := range []*string{nil, &key} {
		for _, format := range []string{".json", ".xml"} {
			r, _ := c.GetOpen311RequestWithResponse(ctx, code+format, &api.GetOpen311RequestParams{ApiKey: asPartner})
			if r.StatusCode() != http.StatusOK || !strings.Contains(string(r.Body), done) || strings.Contains(string(r.Body), "@") || strings.Contains(string(r.Body), "Trần") {
				t.Errorf("the resolved request (partner %v) %s: %d %s", asPartner != nil, format, r.StatusCode(), r.Body)
			}
		}
	}
	if r, _ := c.ListOpen311RequestsWithResponse(ctx, "json", nil); !strings.Contains(string(r.Body), code) || strings.Contains(string(r.Body), "@") {
		t.Errorf("the public list lacks %s or shows an email", code)
	}
	found, _ := c.ListOpen311ContactsWithResponse(ctx, &api.ListOpen311ContactsParams{Email: "minh.tran@example.vn"}, admin)
	if found.JSON200 == nil || len(*found.JSON200) != 1 || (*found.JSON200)[0].ServiceRequestId != code || (*found.JSON200)[0].LastName == nil {
		t.Errorf("contacts by email: %s", found.Body)
	}
	if r, _ := c.ListOpen311ContactsWithResponse(ctx, &api.ListOpen311ContactsParams{Email: "minh"}, admin); r.StatusCode() != http.StatusBadRequest {
		t.Errorf("contacts of a bad email: %d %s", r.StatusCode(), r.Body)
	}
	if r, _ := c.ListOpen311ContactsWithResponse(ctx, &api.ListOpen311ContactsParams{Email: "minh.tran@example.vn"}, officer); r.StatusCode() != http.StatusForbidden {
		t.Errorf("an officer lists contacts: %d", r.StatusCode())
	}
	erased, _ := c.EraseOpen311ContactsWithResponse(ctx, &api.EraseOpen311ContactsParams{Email: "MINH.TRAN@example.vn"}, admin)
	if erased.JSON200 == nil || erased.JSON200.Erased != 1 {
		t.Errorf("erase by email: %s", erased.Body)
	}
	if tk, _ := c.GetTicketWithResponse(ctx, ticketID, officer); tk.JSON200 == nil || tk.JSON200.ReporterContact != nil {
		t.Errorf("the ticket after erasure: %s", tk.Body)
	}

	// The public list: what the map shows, closed, the same in JSON and XML; the partner's list adds its own.
	list, err := c.ListOpen311RequestsWithResponse(ctx, "json", nil)
	var public []jsonRequest
	if err != nil || json.Unmarshal(list.Body, &public) != nil {
		t.Fatalf("list: %v %s", err, list.Body)
	}
	if len(public) != demoPublic()+1 {
		t.Errorf("listed %d public requests, want %d (the demo's and the request resolved above)", len(public), demoPublic()+1)
	}
	for _, r := range public {
		if r.Status != "closed" || r.Address != nil || r.StatusNotes == nil || r.MediaURL != nil && !strings.HasPrefix(*r.MediaURL, "http") {
			t.Errorf("public request: %+v", r)
			break
		}
	}
	// Sent gzipped to a client that accepts it (Go's client asks and unpacks it by itself), the same bytes.
	greq, _ := http.NewRequest(http.MethodGet, base+"requests.json", nil)
	greq.Header.Set("Accept-Encoding", "gzip")
	gresp, err := http.DefaultClient.Do(greq)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(gresp.Body)
	if err != nil || gresp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(gresp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzipped list: %v %v", err, gresp.Header)
	}
	unpacked, err := io.ReadAll(zr)
	gresp.Body.Close()
	if err != nil || !bytes.Equal(unpacked, list.Body) {
		t.Errorf("the gzipped list differs: %v, %d bytes against %d", err, len(unpacked), len(list.Body))
	}
	listXML, err := c.ListOpen311RequestsWithResponse(ctx, "xml", nil)
	var px xmlRequests
	if err != nil || xml.Unmarshal(listXML.Body, &px) != nil || len(px.Requests) != len(public) || px.Requests[0].ID != public[0].ID {
		t.Errorf("XML list: %v %d requests", err, len(px.Requests))
	}
	// Several services, comma separated: the noise request resolved above among the demo's.
	twoServices := "noise,garbage"
	if r, _ := c.ListOpen311RequestsWithResponse(ctx, "json", &api.ListOpen311RequestsParams{ServiceCode: &twoServices}); r.StatusCode() != http.StatusOK {
		t.Errorf("two services: %d %s", r.StatusCode(), r.Body)
	} else {
		var got []jsonRequest
		_ = json.Unmarshal(r.Body, &got)
		seen := map[string]bool{}
		for _, g := range got {
			seen[g.ServiceCode] = true
		}
		if !seen["noise"] || !seen["garbage"] || len(seen) != 2 || !slices.ContainsFunc(got, func(g jsonRequest) bool { return g.ID == code }) {
			t.Errorf("two services: %d requests of %v", len(got), seen)
		}
	}
	open := "open"
	if r, _ := c.ListOpen311RequestsWithResponse(ctx, "json", &api.ListOpen311RequestsParams{Status: &open}); string(r.Body) != "[]\n" {
		t.Errorf("public open requests: %s", r.Body)
	}
	if r, _ := c.ListOpen311RequestsWithResponse(ctx, "json", &api.ListOpen311RequestsParams{Status: &open, ApiKey: &key}); !strings.Contains(string(r.Body), id) {
		t.Errorf("partner's open requests lack %s: %s", id, r.Body)
	}
	start, end := time.Now().AddDate(0, 0, -100).Format(time.RFC3339), time.Now().Format(time.RFC3339)
	if r, _ := c.ListOpen311RequestsWithResponse(ctx, "xml", &api.ListOpen311RequestsParams{StartDate: &start, EndDate: &end}); r.StatusCode() != http.StatusBadRequest ||
		!strings.Contains(string(r.Body), "<errors><error><code>400</code><description>end_date") {
		t.Errorf("101 days: %d %s", r.StatusCode(), r.Body)
	}

	// Revoked: the key no longer files anything.
	if r, err := c.RevokeOpen311PartnerWithResponse(ctx, issued.JSON201.Partner.Id, admin); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("revoke: %v", err)
	}
	if resp := post("json", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("revoked key: %d", resp.StatusCode)
	}
	partners, err := c.ListOpen311PartnersWithResponse(ctx, admin)
	if err != nil || partners.JSON200 == nil || len(*partners.JSON200) != 1 || (*partners.JSON200)[0].RevokedAt == nil {
		t.Errorf("partners: %v %s", err, partners.Body)
	}
}

// childElements lists the names of the elements of the first request in an XML answer, in order.
func childElements(t *testing.T, body []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(body)))
	var names []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("XML: %v in %s", err, body)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 3 {
				names = append(names, e.Name.Local)
			}
		case xml.EndElement:
			depth--
			if depth == 1 {
				return names
			}
		}
	}
}
