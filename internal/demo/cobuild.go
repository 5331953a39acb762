package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"time"

	"gongjian/internal/cobuild"
	"gongjian/internal/media"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

// CobuildPeople is what the co-building demo needs of people.
type CobuildPeople interface {
	People
	GrantRole(ctx context.Context, userID int64, r resident.Role, grantedBy int64) error
	UserByID(ctx context.Context, id int64) (resident.User, error)
	ListCommunities(ctx context.Context) ([]resident.Community, error)
}

// Uploads stores the demo's evidence photos.
type Uploads interface {
	Save(ctx context.Context, ownerID int64, r io.Reader) (media.Upload, error)
}

// The demo's co-building logins (code "dev:<name>" in the embedded mode).
const (
	CobuildStaff    = "cb-staff"         // staff of 阳光社区
	CobuildContact  = "cb-contact-cdc"   // contact of 区疾控中心
	CobuildResident = "cb-resident-wang" // a resident of 阳光社区 with wishes
	CobuildMember   = "cb-member-zhou"   // a party member reported in to 阳光社区
)

var demoUnits = []struct {
	name, kind string
	comms      []int
	contact    string
	phone      string
}{
	{"区疾控中心", cobuild.KindInstitution, []int{0, 1}, "刘建国", "13811110001"},
	{"区人民检察院", cobuild.KindGovernment, []int{0}, "陈静", "13811110002"},
	{"幸福路实验小学", cobuild.KindSchool, []int{0, 2}, "赵老师", "13811110003"},
	{"区中医医院", cobuild.KindHospital, []int{0, 1, 2}, "孙医生", "13811110004"},
	{"万象商业广场", cobuild.KindComplex, []int{1}, "钱经理", "13811110005"},
	{"幸福街道社工服务社", cobuild.KindSocialOrg, []int{0, 1, 2}, "李社工", "13811110006"},
	// The activities' co-building hosts (demo.Activities) become units
	// under their own ids.
	{"市第一人民医院", cobuild.KindHospital, []int{0, 1, 2}, "周主任", "13811110007"},
	{"区青少年宫", cobuild.KindInstitution, []int{0, 1, 2}, "吴老师", "13811110008"},
	{"区文化馆", cobuild.KindInstitution, []int{0, 1, 2}, "郑馆长", "13811110009"},
}

// Cobuild is the demo step of co-building: units with agreements and
// contacts, needs, resources and projects in every state, wishes,
// proposals (one on the agenda) and reported-in party members. openID
// gives the openid of a "dev:<name>" login. The data are written through a
// service without content check (they are ours, not residents'), dated
// as if the programme had run for two months. Idempotent: nothing is added
// once the first demo unit exists.
func Cobuild(store cobuild.Store, people CobuildPeople, box *pii.Box, uploads Uploads, openID func(name string) string, now func() time.Time) Step {
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context, cs []resident.Community) error {
		if len(cs) < 3 {
			return nil
		}
		orgs, err := store.OrgNames(ctx)
		if err != nil || orgs[demoUnits[0].name] != 0 {
			return err
		}
		d := &cbDemo{ctx: ctx, people: people, uploads: uploads, openID: openID, cs: cs, units: map[string]cobuild.Unit{}, contacts: map[string]resident.User{}}
		today := now()
		d.clock = today.Add(-60 * 24 * time.Hour)
		d.svc = cobuild.NewService(store, people, box, nil, cobuild.Config{WishesPerResident: 3, SupportThreshold: 10}, func() time.Time { return d.clock })
		if err := d.load(today); err != nil {
			return fmt.Errorf("co-building demo: %w", err)
		}
		return nil
	}
}

type cbDemo struct {
	ctx      context.Context
	svc      *cobuild.Service
	people   CobuildPeople
	uploads  Uploads
	openID   func(string) string
	cs       []resident.Community
	clock    time.Time
	units    map[string]cobuild.Unit
	contacts map[string]resident.User
	admin    resident.User
	staff    resident.User
	err      error
}

// user ensures a demo login with a name, community and roles.
func (d *cbDemo) user(login, name string, community int, roles ...resident.Role) resident.User {
	if d.err != nil {
		return resident.User{}
	}
	u, err := d.people.EnsureUser(d.ctx, d.openID(login))
	if err == nil {
		cid := d.cs[community].ID
		err = d.people.UpdateProfile(d.ctx, u.ID, resident.ProfilePatch{RealName: &name, Nickname: &name, CommunityID: &cid})
	}
	for _, r := range roles {
		if err == nil {
			err = d.people.GrantRole(d.ctx, u.ID, r, 0)
		}
	}
	if err == nil {
		u, err = d.people.UserByID(d.ctx, u.ID)
	}
	d.err = err
	return u
}

func (d *cbDemo) check(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *cbDemo) need(who resident.User, community int, cat, title, desc string, qty int, unit string, shareable bool, daysLeft int) cobuild.Need {
	if d.err != nil {
		return cobuild.Need{}
	}
	cid := int64(0)
	if community >= 0 {
		cid = d.cs[community].ID
	}
	n, err := d.svc.CreateNeed(d.ctx, who, cobuild.NeedInput{CommunityID: cid, Category: cat, Title: title, Description: desc, Quantity: qty,
		QuantityUnit: unit, Shareable: shareable, Deadline: d.clock.Add(time.Duration(daysLeft) * 24 * time.Hour), Place: d.cs[max(community, 0)].Name + "党群服务中心"})
	d.check(err)
	return n
}

func (d *cbDemo) claim(n cobuild.Need, unit string, qty int, plan string) cobuild.Claim {
	if d.err != nil {
		return cobuild.Claim{}
	}
	c, err := d.svc.ClaimNeed(d.ctx, d.contacts[unit], n.ID, cobuild.ClaimInput{UnitID: d.units[unit].ID, Quantity: qty, Plan: plan})
	d.check(err)
	return c
}

func (d *cbDemo) step(unit string, project int64, in cobuild.ProjectUpdate) {
	if d.err != nil {
		return
	}
	_, err := d.svc.UpdateProject(d.ctx, d.contacts[unit], project, in)
	d.check(err)
}

// photo stores a small picture as the contact's upload (a project's evidence).
func (d *cbDemo) photo(owner resident.User, c color.RGBA) string {
	if d.err != nil || d.uploads == nil {
		return ""
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{c.R, c.G + uint8(y), c.B + uint8(x), 255})
		}
	}
	var b bytes.Buffer
	d.check(png.Encode(&b, img))
	u, err := d.uploads.Save(d.ctx, owner.ID, &b)
	d.check(err)
	return u.Ref()
}

func (d *cbDemo) deliver(unit string, project int64, served int, note string) {
	d.step(unit, project, cobuild.ProjectUpdate{Action: "start"})
	ref := d.photo(d.contacts[unit], color.RGBA{200, 60, 40, 255})
	d.step(unit, project, cobuild.ProjectUpdate{Action: "deliver", Evidence: &cobuild.Evidence{Served: served, Photos: []string{ref}, Note: note}})
}

func (d *cbDemo) load(today time.Time) error {
	d.admin = resident.User{Nickname: "demo", Roles: []resident.Role{{Role: resident.RoleAdmin}}}
	d.staff = d.user(CobuildStaff, "张晓梅", 0, resident.Role{Role: resident.RoleStaff, CommunityID: d.cs[0].ID})
	for i, u := range demoUnits {
		if d.err != nil {
			break
		}
		in := cobuild.UnitInput{Name: u.name, Kind: u.kind, Contacts: []cobuild.ContactInput{{Name: u.contact, Phone: u.phone}}}
		for _, c := range u.comms {
			in.CommunityIDs = append(in.CommunityIDs, d.cs[c].ID)
			in.Agreements = append(in.Agreements, cobuild.Agreement{CommunityID: d.cs[c].ID, StartsOn: d.clock.AddDate(0, -2, 0), EndsOn: d.clock.AddDate(2, 0, 0),
				Content: "共建共治共享：组织党员志愿服务、开放单位资源、认领社区需求"})
		}
		unit, err := d.svc.CreateUnit(d.ctx, d.admin, in)
		d.check(err)
		d.units[u.name] = unit
		login := fmt.Sprintf("cb-contact-%d", i)
		if i == 0 {
			login = CobuildContact
		}
		d.contacts[u.name] = d.user(login, u.contact, u.comms[0], resident.Role{Role: resident.RoleUnitContact, OrgID: unit.ID})
	}
	if d.err != nil {
		return d.err
	}
	wang := d.user(CobuildResident, "王秀英", 0)
	var neighbours []resident.User
	for i := 0; i < 11; i++ {
		neighbours = append(neighbours, d.user(fmt.Sprintf("cb-neighbour-%d", i), fmt.Sprintf("居民%d", i+1), 0))
	}

	// Needs and their projects, two months ago.
	tutoring := d.need(d.staff, 0, cobuild.CatChildren, "暑期课业辅导", "为双职工家庭的小学生辅导功课", 40, "小时", true, 75)
	c := d.claim(tutoring, "幸福路实验小学", 24, "每周二、四下午由教师志愿者辅导")
	d.claim(tutoring, "幸福街道社工服务社", 8, "社工组织阅读角")
	d.step("幸福路实验小学", c.ProjectID, cobuild.ProjectUpdate{Action: "start", Milestones: []cobuild.Milestone{{Title: "招募教师志愿者"}, {Title: "开班"}}})
	wheelchairs := d.need(d.staff, 0, cobuild.CatElderly, "轮椅借用", "为行动不便的老人提供轮椅短期借用", 30, "台", true, 90)
	d.claim(wheelchairs, "区中医医院", 10, "医院闲置轮椅消毒后借出")
	lights := d.need(d.staff, 0, cobuild.CatEnvironment, "小区路灯维修", "阳光路 3 号楼前路灯不亮", 1, "项", false, 30)
	c = d.claim(lights, "万象商业广场", 1, "物业电工上门维修")
	d.deliver("万象商业广场", c.ProjectID, 120, "已更换灯具，夜间照明恢复")
	lecture := d.need(d.staff, 0, cobuild.CatHealth, "老年人健康讲座", "慢病防控与流感疫苗接种知识", 4, "场", false, 40)
	c = d.claim(lecture, "区疾控中心", 4, "每月一场，疾控专家主讲")
	d.deliver("区疾控中心", c.ProjectID, 86, "四场讲座共 86 人次参加")
	d.check(errOf(d.svc.EvaluateUnits(d.ctx, d.staff, c.ProjectID, 5, "专家讲解通俗易懂，居民反响好")))
	legal := d.need(d.staff, 0, cobuild.CatLegal, "法律咨询进社区", "每月一次现场法律咨询", 12, "次", false, 45)
	c = d.claim(legal, "区人民检察院", 12, "检察官每月第一个周六到社区坐班")
	d.deliver("区人民检察院", c.ProjectID, 40, "解答居民咨询 40 人次")
	d.check(errOf(d.svc.EvaluateUnits(d.ctx, d.staff, c.ProjectID, 5, "服务专业")))
	_, err := d.svc.UpdateProject(d.ctx, d.staff, c.ProjectID, cobuild.ProjectUpdate{Action: "close"})
	d.check(err)
	meals := d.need(d.staff, 0, cobuild.CatElderly, "独居老人助餐", "为 15 位独居老人每周送餐", 15, "人", true, 20)
	c = d.claim(meals, "幸福街道社工服务社", 15, "社工与志愿者每周送餐") // due in 20 days: overdue today
	withdrawn := d.need(d.staff, 0, cobuild.CatCulture, "社区合唱团指导", "为社区合唱团请声乐老师", 10, "课时", false, 80)
	c = d.claim(withdrawn, "幸福路实验小学", 10, "音乐老师指导")
	if d.err == nil {
		_, err := d.svc.WithdrawClaim(d.ctx, d.contacts["幸福路实验小学"], c.ID)
		d.check(err)
	}
	d.need(d.staff, 0, cobuild.CatEmployment, "失业人员技能培训", "家政、电商等技能培训", 3, "期", true, 120) // unclaimed since two months
	festival := d.need(d.admin, -1, cobuild.CatCulture, "街道邻里文化节志愿服务", "街道级项目：文化节现场引导与服务", 100, "人次", true, 100)
	d.claim(festival, "区疾控中心", 20, "组织党员志愿者")

	// A wish that became a need, was delivered, and was rated.
	if d.err == nil {
		w, err := d.svc.CreateWish(d.ctx, wang, cobuild.WishInput{Title: "想给孙子一个新书包", Description: "孙子下学期上三年级，旧书包坏了", ContactPhone: "13912345678"})
		d.check(err)
		if err == nil {
			w, err = d.svc.ReviewWish(d.ctx, d.staff, w.ID, cobuild.Review{Decision: "accept", Need: &cobuild.NeedInput{Category: cobuild.CatChildren, Quantity: 1, QuantityUnit: "个"}})
			d.check(err)
			n, _ := d.svc.Need(d.ctx, w.NeedID)
			c := d.claim(n, "区疾控中心", 1, "党员认领微心愿")
			d.deliver("区疾控中心", c.ProjectID, 1, "书包已送到王奶奶家")
			_, err = d.svc.Rate(d.ctx, wang, c.ProjectID, 5, "谢谢疾控中心的党员同志！")
			d.check(err)
		}
		_, err = d.svc.CreateWish(d.ctx, wang, cobuild.WishInput{Title: "请人帮忙修门锁", Description: "家门锁不好用了", ContactPhone: "13912345678"})
		d.check(err)
		w2, err := d.svc.CreateWish(d.ctx, neighbours[0], cobuild.WishInput{Title: "想学用智能手机", ContactPhone: "13912340000"})
		d.check(err)
		if err == nil {
			_, err = d.svc.ReviewWish(d.ctx, d.staff, w2.ID, cobuild.Review{Decision: "merge", NeedID: tutoring.ID})
			if err != nil { // merging needs an open need: decline instead
				_, err = d.svc.ReviewWish(d.ctx, d.staff, w2.ID, cobuild.Review{Decision: "decline", Reason: "社区近期将开设老年人智能手机课堂，届时通知您"})
			}
			d.check(err)
		}
	}

	// Proposals: one reached the threshold (on the agenda), one open.
	if d.err == nil {
		p, err := d.svc.CreateProposal(d.ctx, wang, 0, "车棚增设电动车充电桩", "车棚没有充电桩，居民私拉电线充电有火灾隐患，建议增设")
		d.check(err)
		for _, n := range neighbours[:10] {
			if err == nil {
				_, err = d.svc.Support(d.ctx, n, p.ID)
				d.check(err)
			}
		}
		p2, err := d.svc.CreateProposal(d.ctx, neighbours[1], 0, "小区增设休息座椅", "老人散步没有地方歇脚")
		d.check(err)
		if err == nil {
			_, err = d.svc.Support(d.ctx, neighbours[2], p2.ID)
			d.check(err)
		}
	}

	// Resources units offer, one claimed by a community.
	for _, r := range []struct {
		unit, kind, title, qtyUnit string
		qty                        int
	}{
		{"区中医医院", cobuild.ResExpert, "中医专家义诊", "场", 6},
		{"万象商业广场", cobuild.ResVenue, "三楼多功能厅（可容纳 80 人）", "场次", 12},
		{"幸福街道社工服务社", cobuild.ResTeam, "助老志愿服务队（20 人）", "次", 24},
		{"区疾控中心", cobuild.ResMaterial, "家庭急救包", "个", 200},
	} {
		if d.err != nil {
			break
		}
		res, err := d.svc.CreateResource(d.ctx, d.contacts[r.unit], cobuild.ResourceInput{UnitID: d.units[r.unit].ID, Kind: r.kind, Title: r.title,
			Quantity: r.qty, QuantityUnit: r.qtyUnit, ValidFrom: d.clock, ValidTo: today.AddDate(1, 0, 0)})
		d.check(err)
		if err == nil && r.unit == "区中医医院" {
			_, err = d.svc.ClaimResource(d.ctx, d.staff, res.ID, d.cs[0].ID, 2, "重阳节前后两场")
			d.check(err)
		}
	}

	// Party members reported in: one confirmed, one waiting.
	zhou := d.user(CobuildMember, "周卫东", 0, resident.Role{Role: resident.RolePartyMember})
	li := d.user("cb-member-li", "李红", 0, resident.Role{Role: resident.RolePartyMember})
	if d.err == nil {
		_, err := d.svc.ReportInTo(d.ctx, zhou, 0, d.units["区疾控中心"].ID)
		d.check(err)
		_, err = d.svc.ReviewReportIn(d.ctx, d.staff, zhou.ID, true, "")
		d.check(err)
		_, err = d.svc.ReportInTo(d.ctx, li, 0, d.units["区人民检察院"].ID)
		d.check(err)
	}
	return d.err
}

func errOf[T any](_ T, err error) error { return err }
