package httpapi

import (
	"context"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/holidays"
)

// Holidays is the administrators' holiday list behind the working-time calendar.
type Holidays interface {
	Year(ctx context.Context, year int) (holidays.Year, error)
	Replace(ctx context.Context, year int, version int64, entries []holidays.Entry) (holidays.Year, error)
	PutDay(ctx context.Context, year int, version int64, e holidays.Entry) (holidays.Year, error)
	DeleteDay(ctx context.Context, year int, version int64, date string) (holidays.Year, error)
}

var _ Holidays = (*holidays.Service)(nil)

// GetHolidays lists a year's days.
func (s *Server) GetHolidays(ctx context.Context, req api.GetHolidaysRequestObject) (api.GetHolidaysResponseObject, error) {
	y, err := s.deps.Holidays.Year(ctx, req.Year)
	if err != nil {
		return nil, err
	}
	return api.GetHolidays200JSONResponse{Body: toAPIHolidayYear(y), Headers: api.GetHolidays200ResponseHeaders{ETag: etag(y.Version)}}, nil
}

// PutHolidays replaces a year's days.
func (s *Server) PutHolidays(ctx context.Context, req api.PutHolidaysRequestObject) (api.PutHolidaysResponseObject, error) {
	v, err := parseIfMatch(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	entries := make([]holidays.Entry, len(req.Body.Days))
	for i, d := range req.Body.Days {
		entries[i] = holidays.Entry{Date: d.Date, Kind: string(d.Kind), NameVI: d.NameVi, NameEN: d.NameEn}
	}
	y, err := s.deps.Holidays.Replace(ctx, req.Year, v, entries)
	if err != nil {
		return nil, err
	}
	return api.PutHolidays200JSONResponse{Body: toAPIHolidayYear(y), Headers: api.PutHolidays200ResponseHeaders{ETag: etag(y.Version)}}, nil
}

// PutHoliday adds or replaces one day.
func (s *Server) PutHoliday(ctx context.Context, req api.PutHolidayRequestObject) (api.PutHolidayResponseObject, error) {
	v, err := parseIfMatch(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	b := req.Body
	y, err := s.deps.Holidays.PutDay(ctx, req.Year, v, holidays.Entry{Date: req.Date, Kind: string(b.Kind), NameVI: b.NameVi, NameEN: b.NameEn})
	if err != nil {
		return nil, err
	}
	return api.PutHoliday200JSONResponse{Body: toAPIHolidayYear(y), Headers: api.PutHoliday200ResponseHeaders{ETag: etag(y.Version)}}, nil
}

// DeleteHoliday removes one day.
func (s *Server) DeleteHoliday(ctx context.Context, req api.DeleteHolidayRequestObject) (api.DeleteHolidayResponseObject, error) {
	v, err := parseIfMatch(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	y, err := s.deps.Holidays.DeleteDay(ctx, req.Year, v, req.Date)
	if err != nil {
		return nil, err
	}
	return api.DeleteHoliday200JSONResponse{Body: toAPIHolidayYear(y), Headers: api.DeleteHoliday200ResponseHeaders{ETag: etag(y.Version)}}, nil
}

func toAPIHolidayYear(y holidays.Year) api.HolidayYear {
	out := api.HolidayYear{Year: y.Year, Version: int(y.Version), Days: make([]api.HolidayDay, len(y.Days))}
	for i, h := range y.Days {
		out.Days[i] = api.HolidayDay{Date: openapi_types.Date{Time: time.Date(h.Date.Year, h.Date.Month, h.Date.Day, 0, 0, 0, 0, time.UTC)},
			Kind: api.HolidayKind(h.Kind), NameVi: h.NameVI, NameEn: h.NameEN}
	}
	return out
}
