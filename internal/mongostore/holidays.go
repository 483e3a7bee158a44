package mongostore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/holidays"
	"github.com/quangninh/feedback/internal/workcal"
)

const colHolidays = "holidays" // _id: the year ("2026"); one document per year, a handful: read whole

var _ holidays.Store = (*Store)(nil)

type holidayDoc struct {
	Date   string `bson:"date"`
	Kind   string `bson:"kind"`
	NameVI string `bson:"name_vi"`
	NameEN string `bson:"name_en"`
}

type holidayYearDoc struct {
	ID        string       `bson:"_id"`
	Year      int          `bson:"year"`
	Days      []holidayDoc `bson:"days"`
	Version   int64        `bson:"version"`
	UpdatedAt time.Time    `bson:"updated_at"`
}

func toHolidayYearDoc(y holidays.Year, now time.Time) holidayYearDoc {
	d := holidayYearDoc{ID: strconv.Itoa(y.Year), Year: y.Year, Days: []holidayDoc{}, Version: y.Version, UpdatedAt: now}
	for _, h := range y.Days {
		d.Days = append(d.Days, holidayDoc{Date: h.Date.String(), Kind: string(h.Kind), NameVI: h.NameVI, NameEN: h.NameEN})
	}
	return d
}

func (d holidayYearDoc) year() (holidays.Year, error) {
	y := holidays.Year{Year: d.Year, Version: d.Version, Days: make([]workcal.Holiday, 0, len(d.Days))}
	for _, h := range d.Days {
		date, err := workcal.ParseDate(h.Date)
		if err != nil {
			return holidays.Year{}, fmt.Errorf("holidays %s: %w", d.ID, err)
		}
		y.Days = append(y.Days, workcal.Holiday{Date: date, Kind: workcal.Kind(h.Kind), NameVI: h.NameVI, NameEN: h.NameEN})
	}
	return y, nil
}

// HolidayYears returns every stored year, oldest first.
func (s *Store) HolidayYears(ctx context.Context) ([]holidays.Year, error) {
	cur, err := s.db.Collection(colHolidays).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "holidays")
	}
	var docs []holidayYearDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "holidays")
	}
	out := make([]holidays.Year, 0, len(docs))
	for _, d := range docs {
		y, err := d.year()
		if err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, nil
}

// HolidayYear returns one year; fault.ErrNotFound when none is stored.
func (s *Store) HolidayYear(ctx context.Context, year int) (holidays.Year, error) {
	var d holidayYearDoc
	if err := s.db.Collection(colHolidays).FindOne(ctx, byID(strconv.Itoa(year))).Decode(&d); err != nil {
		return holidays.Year{}, mapErr(err, "holidays")
	}
	return d.year()
}

// SaveHolidayYear stores y over version y.Version-1: the first version is a unique insert, later ones a
// compare-and-swap on the version. false: someone else saved first.
func (s *Store) SaveHolidayYear(ctx context.Context, y holidays.Year, now time.Time) (bool, error) {
	d := toHolidayYearDoc(y, now)
	col := s.db.Collection(colHolidays)
	if y.Version == 1 {
		_, err := col.InsertOne(ctx, d)
		if isDuplicate(err) {
			return false, nil
		}
		return err == nil, mapErr(err, "holidays")
	}
	res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "version", Value: y.Version - 1}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "days", Value: d.Days}, {Key: "version", Value: d.Version}, {Key: "updated_at", Value: now}}}})
	if err != nil {
		return false, mapErr(fmt.Errorf("save holidays of %d: %w", y.Year, err), "holidays")
	}
	return res.ModifiedCount == 1, nil
}

// SeedHolidayYears inserts the years that are missing and leaves the others (administrators may have edited
// them). Idempotent, and safe when several replicas seed at once.
func (s *Store) SeedHolidayYears(ctx context.Context, years []holidays.Year) error {
	now := time.Now()
	for _, y := range years {
		_, err := s.db.Collection(colHolidays).InsertOne(ctx, toHolidayYearDoc(y, now))
		if err != nil && !isDuplicate(err) {
			return mapErr(err, "holidays")
		}
	}
	return nil
}
