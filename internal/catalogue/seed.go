package catalogue

import (
	"slices"

	"github.com/quangninh/feedback/internal/jurisdiction"
)

// Stable IDs of the provincial bodies the routing rules and seed categories refer to.
const (
	OperationsCentreID = "ioc"
	HaLongBayBoardID   = "bql-vinh-ha-long"
)

// CommuneAgencyID is the ID of the People's Committee of the commune with the code.
func CommuneAgencyID(communeCode string) string { return "ubnd-" + communeCode }

// provincialBodies are the seed provincial departments, boards and utilities.
var provincialBodies = []Agency{
	{ID: "so-xay-dung", NameVi: "Sở Xây dựng", NameEn: "Department of Construction", Kind: KindProvincial},
	{ID: "so-nong-nghiep-moi-truong", NameVi: "Sở Nông nghiệp và Môi trường", NameEn: "Department of Agriculture and Environment", Kind: KindProvincial},
	{ID: "so-van-hoa-the-thao-du-lich", NameVi: "Sở Văn hóa, Thể thao và Du lịch", NameEn: "Department of Culture, Sports and Tourism", Kind: KindProvincial},
	{ID: "so-y-te", NameVi: "Sở Y tế", NameEn: "Department of Health", Kind: KindProvincial},
	{ID: "so-giao-duc-dao-tao", NameVi: "Sở Giáo dục và Đào tạo", NameEn: "Department of Education and Training", Kind: KindProvincial},
	{ID: "so-khoa-hoc-cong-nghe", NameVi: "Sở Khoa học và Công nghệ", NameEn: "Department of Science and Technology", Kind: KindProvincial},
	{ID: "so-cong-thuong", NameVi: "Sở Công Thương", NameEn: "Department of Industry and Trade", Kind: KindProvincial},
	{ID: "cong-an-tinh", NameVi: "Công an tỉnh", NameEn: "Provincial Police", Kind: KindProvincial},
	{ID: HaLongBayBoardID, NameVi: "Ban Quản lý Vịnh Hạ Long", NameEn: "Ha Long Bay Management Board", Kind: KindProvincial},
	{ID: "dien-luc-quang-ninh", NameVi: "Công ty Điện lực Quảng Ninh", NameEn: "Quang Ninh Power Company", Kind: KindUtility},
	{ID: "nuoc-sach-quang-ninh", NameVi: "Công ty Nước sạch Quảng Ninh", NameEn: "Quang Ninh Clean Water Company", Kind: KindUtility},
	{ID: OperationsCentreID, NameVi: "Trung tâm Giám sát, điều hành đô thị thông minh tỉnh", NameEn: "Provincial Smart City Operations Centre", Kind: KindOperationsCentre},
}

// The public location precisions of the seed categories, in metres.
const (
	ExactLocation       = 0   // what stands in a public place: a pothole, a street light, a flooded road
	AboutABlock         = 100 // what may be at or about someone's home: noise, building work, a power cut
	AboutANeighbourhood = 500 // what is about people: public order
)

// seedCategories are the report categories the app starts with. Physical marks problems whose fix
// can be photographed (the road is patched, the tree is gone); the rest are resolved by an answer or
// an inspection that a photo does not prove.
var seedCategories = []Category{
	// The commune's People's Committee.
	{Code: "road_damage", NameVi: "Hư hỏng mặt đường", NameEn: "Road damage", Group: "urban", Handler: HandlerCommune, Deadline: Normal, Physical: true, PublicPrecisionM: ExactLocation},
	{Code: "streetlight", NameVi: "Đèn chiếu sáng công cộng hỏng", NameEn: "Broken streetlight", Group: "urban", Handler: HandlerCommune, Deadline: Normal, Physical: true, PublicPrecisionM: ExactLocation},
	{Code: "garbage", NameVi: "Rác thải, vệ sinh môi trường", NameEn: "Garbage and litter", Group: "environment", Handler: HandlerCommune, Deadline: Normal, Physical: true, PublicPrecisionM: ExactLocation},
	{Code: "flooding", NameVi: "Ngập úng", NameEn: "Flooding", Group: "urban", Handler: HandlerCommune, Deadline: Urgent, Physical: true, PublicPrecisionM: ExactLocation},
	{Code: "sidewalk_encroachment", NameVi: "Lấn chiếm vỉa hè, lòng đường", NameEn: "Sidewalk encroachment", Group: "urban", Handler: HandlerCommune, Deadline: Normal, Physical: true, PublicPrecisionM: ExactLocation},
	{Code: "illegal_construction", NameVi: "Xây dựng trái phép", NameEn: "Illegal construction", Group: "urban", Handler: HandlerCommune, Deadline: Normal, Physical: true, PublicPrecisionM: AboutABlock},
	{Code: "noise", NameVi: "Tiếng ồn", NameEn: "Noise", Group: "environment", Handler: HandlerCommune, Deadline: Normal, PublicPrecisionM: AboutABlock},
	{Code: "fallen_tree", NameVi: "Cây đổ, gãy", NameEn: "Fallen tree", Group: "urban", Handler: HandlerCommune, Deadline: Urgent, Physical: true, PublicPrecisionM: ExactLocation},
	// Police.
	{Code: "traffic_violation", NameVi: "Vi phạm giao thông", NameEn: "Traffic violation", Group: "safety", Handler: "cong-an-tinh", Deadline: Urgent, PublicPrecisionM: AboutABlock},
	{Code: "public_order", NameVi: "An ninh trật tự", NameEn: "Public order", Group: "safety", Handler: "cong-an-tinh", Deadline: Urgent, Sensitive: true, PublicPrecisionM: AboutANeighbourhood},
	{Code: "fire_hazard", NameVi: "Nguy cơ cháy nổ", NameEn: "Fire hazard", Group: "safety", Handler: "cong-an-tinh", Deadline: Urgent, Physical: true, PublicPrecisionM: AboutABlock},
	// Provincial departments and boards.
	{Code: "industrial_pollution", NameVi: "Ô nhiễm môi trường từ cơ sở sản xuất", NameEn: "Industrial pollution", Group: "environment", Handler: "so-nong-nghiep-moi-truong", Deadline: Normal, PublicPrecisionM: AboutABlock},
	{Code: "land_mining", NameVi: "Khai thác đất, cát, khoáng sản trái phép", NameEn: "Illegal mining of land, sand or minerals", Group: "environment", Handler: "so-nong-nghiep-moi-truong", Deadline: Normal, Physical: true, PublicPrecisionM: ExactLocation},
	{Code: "bay_pollution", NameVi: "Ô nhiễm, rác thải trên vịnh", NameEn: "Bay pollution", Group: "environment", Handler: HaLongBayBoardID, Deadline: Normal, Physical: true, PublicPrecisionM: ExactLocation},
	{Code: "traffic_infrastructure", NameVi: "Hạ tầng giao thông (biển báo, đèn tín hiệu, cầu)", NameEn: "Traffic infrastructure", Group: "transport", Handler: "so-xay-dung", Deadline: Normal, Physical: true, PublicPrecisionM: ExactLocation},
	{Code: "public_transport", NameVi: "Giao thông công cộng", NameEn: "Public transport", Group: "transport", Handler: "so-xay-dung", Deadline: Normal, PublicPrecisionM: AboutABlock},
	{Code: "tourism_service", NameVi: "Dịch vụ du lịch", NameEn: "Tourism services", Group: "services", Handler: "so-van-hoa-the-thao-du-lich", Deadline: Normal, PublicPrecisionM: AboutABlock},
	{Code: "food_safety", NameVi: "An toàn thực phẩm", NameEn: "Food safety", Group: "services", Handler: "so-y-te", Deadline: Urgent, PublicPrecisionM: AboutABlock},
	{Code: "health_service", NameVi: "Dịch vụ y tế", NameEn: "Health services", Group: "services", Handler: "so-y-te", Deadline: Normal, PublicPrecisionM: AboutABlock},
	{Code: "school", NameVi: "Trường học, giáo dục", NameEn: "Schools and education", Group: "services", Handler: "so-giao-duc-dao-tao", Deadline: Normal, PublicPrecisionM: AboutABlock},
	{Code: "market_trade", NameVi: "Chợ, thương mại", NameEn: "Markets and trade", Group: "services", Handler: "so-cong-thuong", Deadline: Normal, PublicPrecisionM: AboutABlock},
	{Code: "telecom", NameVi: "Viễn thông, Internet", NameEn: "Telecoms and internet", Group: "utilities", Handler: "so-khoa-hoc-cong-nghe", Deadline: Normal, PublicPrecisionM: AboutABlock},
	// Utilities.
	{Code: "electricity", NameVi: "Sự cố điện", NameEn: "Electricity supply", Group: "utilities", Handler: "dien-luc-quang-ninh", Deadline: Urgent, Physical: true, PublicPrecisionM: AboutABlock},
	{Code: "water_supply", NameVi: "Cấp nước sạch", NameEn: "Water supply", Group: "utilities", Handler: "nuoc-sach-quang-ninh", Deadline: Normal, Physical: true, PublicPrecisionM: AboutABlock},
	// Anything else goes to the dispatchers, who reassign it.
	{Code: "other", NameVi: "Khác", NameEn: "Other", Group: "other", Handler: OperationsCentreID, Deadline: Normal, PublicPrecisionM: AboutABlock},
}

// Seed returns the default catalogue: one People's Committee per commune of ix, the provincial bodies
// and the seed categories.
//
// It fails only if the seed data is inconsistent with ix (for example two communes with the same
// code), which the package tests rule out for the embedded data.
func Seed(ix *jurisdiction.Index) (*Catalogue, error) {
	communes := ix.All()
	agencies := make([]Agency, 0, len(communes)+len(provincialBodies))
	for _, c := range communes {
		agencies = append(agencies, Agency{
			ID:          CommuneAgencyID(c.Code),
			NameVi:      "UBND " + c.FullName,
			NameEn:      "People's Committee of " + c.FullNameEn,
			Kind:        KindCommune,
			CommuneCode: c.Code,
		})
	}
	agencies = append(agencies, provincialBodies...)
	cats := slices.Clone(seedCategories)
	for i := range cats {
		cats[i].Keywords, cats[i].Attributes = seedKeywords[cats[i].Code], seedAttributes[cats[i].Code]
	}
	return New(agencies, cats)
}
