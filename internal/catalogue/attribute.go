package catalogue

// AttributeType is the kind of answer an attribute takes (the Open311 datatypes).
type AttributeType string

// The attribute types.
const (
	AttrString      AttributeType = "string"
	AttrNumber      AttributeType = "number"
	AttrDateTime    AttributeType = "datetime"
	AttrText        AttributeType = "text"
	AttrSingleValue AttributeType = "singlevaluelist"
	AttrMultiValue  AttributeType = "multivaluelist"
)

// Attribute is a question a category asks of every report beyond the description and location (a
// street light's pole number, how deep a flood is).
type Attribute struct {
	Code          string
	Type          AttributeType
	Required      bool
	DescriptionVi string
	DescriptionEn string
	Values        []AttributeValue // for the list types
}

// AttributeValue is one choice of a list attribute.
type AttributeValue struct {
	Key    string
	NameVi string
	NameEn string
}

// seedKeywords and seedAttributes are what the seed categories carry besides their names: words a
// partner's app may search, and the questions a report of the category must answer.
var (
	seedKeywords = map[string][]string{
		"road_damage": {"ổ gà", "mặt đường", "pothole", "road"},
		"streetlight": {"đèn đường", "chiếu sáng", "street light", "lamp"},
		"garbage":     {"rác", "vệ sinh", "garbage", "litter"},
		"flooding":    {"ngập", "nước", "flood", "water"},
		"fallen_tree": {"cây đổ", "cây gãy", "tree"},
		"noise":       {"ồn", "tiếng ồn", "noise"},
	}
	seedAttributes = map[string][]Attribute{
		"streetlight": {{Code: "pole_number", Type: AttrString, Required: true,
			DescriptionVi: "Số hiệu cột đèn (ghi trên thân cột)", DescriptionEn: "The pole's number (written on the pole)"}},
		"flooding": {{Code: "water_depth", Type: AttrSingleValue, Required: true,
			DescriptionVi: "Độ sâu của nước", DescriptionEn: "How deep the water is",
			Values: []AttributeValue{
				{Key: "ankle", NameVi: "Đến mắt cá chân", NameEn: "Ankle deep"},
				{Key: "knee", NameVi: "Đến đầu gối", NameEn: "Knee deep"},
				{Key: "deeper", NameVi: "Sâu hơn", NameEn: "Deeper"},
			}}},
	}
)

// checkAttributes reports, through bad, attributes without a code or with a repeated one, of an unknown
// type, or lists without values.
func checkAttributes(cat Category, bad func(format string, args ...any)) {
	seen := map[string]bool{}
	for _, a := range cat.Attributes {
		switch {
		case a.Code == "":
			bad("category %s: an attribute has no code", cat.Code)
		case seen[a.Code]:
			bad("category %s: attribute %s is repeated", cat.Code, a.Code)
		}
		seen[a.Code] = true
		switch a.Type {
		case AttrString, AttrNumber, AttrDateTime, AttrText:
		case AttrSingleValue, AttrMultiValue:
			if len(a.Values) == 0 {
				bad("category %s: list attribute %s has no values", cat.Code, a.Code)
			}
		default:
			bad("category %s: attribute %s has unknown type %q", cat.Code, a.Code, a.Type)
		}
	}
}
