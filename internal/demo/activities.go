package demo

import (
	"context"
	"fmt"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/cst"
	"gongjian/internal/resident"
)

// ActivityService is what the demo needs to create organisations and activities.
type ActivityService interface {
	Organizations(ctx context.Context) ([]activity.Organization, error)
	CreateOrganization(ctx context.Context, u resident.User, in activity.OrganizationInput) (activity.Organization, error)
	AdminList(ctx context.Context, u resident.User, q activity.AdminQuery, page, size int) ([]activity.ActivityView, int, error)
	CreateActivity(ctx context.Context, u resident.User, in activity.ActivityInput) (activity.Activity, error)
	Publish(ctx context.Context, u resident.User, id int64) (activity.Activity, error)
}

// seedAdmin is the identity the demo data set is created under.
var seedAdmin = resident.User{ID: 0, Nickname: "demo", Roles: []resident.Role{{Role: resident.RoleAdmin}}}

type demoOrg struct {
	name, typ, parent string
	communities       []int // indexes into the seeded communities; nil = all
}

var demoOrgs = []demoOrg{
	{"幸福街道党工委", activity.OrgParty, "", nil},
	{"阳光社区党支部", activity.OrgParty, "幸福街道党工委", []int{0}},
	{"市第一人民医院", activity.OrgCoBuilding, "", nil},
	{"区青少年宫", activity.OrgCoBuilding, "", nil},
	{"区文化馆", activity.OrgCoBuilding, "", nil},
	{"阳光志愿者协会", activity.OrgSocial, "", []int{0, 2}},
}

type demoActivity struct {
	title, category, host, desc, address string
	community                            int
	lat, lng                             float64
	day                                  int // days from today
	sessions                             func(day time.Time) []activity.SessionInput
	limit                                int
	series, popular                      bool
	elig                                 activity.Eligibility
	questions                            []activity.Question
}

func at(day time.Time, h, m int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, cst.Zone)
}

func one(h, m, minutes, capacity, wait int) func(time.Time) []activity.SessionInput {
	return func(day time.Time) []activity.SessionInput {
		s := at(day, h, m)
		return []activity.SessionInput{{StartsAt: s, EndsAt: s.Add(time.Duration(minutes) * time.Minute), Capacity: capacity, WaitlistCapacity: wait}}
	}
}

var demoActivities = []demoActivity{
	{
		title: "四点半学校·作业辅导与趣味科学", category: activity.CategoryAfterSchool, host: "区青少年宫", community: 0,
		desc:    "放学后到社区来！大学生志愿者辅导作业，每天半小时趣味科学小实验。一期五天，报名即参加全部五天。",
		address: "阳光社区党群服务中心二楼活动室", lat: 39.9152, lng: 116.4039, day: 3, limit: 2, series: true,
		sessions: func(day time.Time) []activity.SessionInput {
			var out []activity.SessionInput
			for i := 0; i < 5; i++ {
				s := at(day.AddDate(0, 0, i), 16, 30)
				out = append(out, activity.SessionInput{StartsAt: s, EndsAt: s.Add(90 * time.Minute), Capacity: 20, WaitlistCapacity: 5})
			}
			return out
		},
		elig: activity.Eligibility{MinAge: 6, MaxAge: 12},
		questions: []activity.Question{
			{Type: activity.QuestionChoice, Title: "孩子年级", Options: []string{"一年级", "二年级", "三年级", "四年级", "五年级", "六年级"}, Required: true},
			{Type: activity.QuestionText, Title: "过敏或需要老师注意的情况"},
		},
	},
	{
		title: "三甲医院专家进社区义诊", category: activity.CategoryClinic, host: "市第一人民医院", community: 1,
		desc:    "心内科、内分泌科、骨科专家坐诊，免费测血压、血糖，解答用药问题。按时段预约，每个时段15分钟，请带好既往病历。",
		address: "和平社区卫生服务站", lat: 39.9210, lng: 116.4100, day: 5, popular: true,
		sessions: func(day time.Time) []activity.SessionInput {
			var out []activity.SessionInput
			for i := 0; i < 10; i++ {
				s := at(day, 9, 0).Add(time.Duration(i*15) * time.Minute)
				out = append(out, activity.SessionInput{StartsAt: s, EndsAt: s.Add(15 * time.Minute), Capacity: 3, WaitlistCapacity: 2})
			}
			return out
		},
		questions: []activity.Question{{Type: activity.QuestionText, Title: "主要症状或想咨询的问题", Required: true}},
	},
	{
		title: "迎新春社区文艺汇演", category: activity.CategoryPerformance, host: "区文化馆", community: 2,
		desc:    "社区合唱团、舞蹈队和少儿京剧班同台演出，现场还有写春联、猜灯谜。凭报名入场。",
		address: "锦绣社区文化广场", lat: 39.9080, lng: 116.3970, day: 10, limit: 4,
		sessions: one(19, 0, 120, 200, 50),
	},
	{
		title: "青少年快乐营地·周末户外拓展", category: activity.CategoryYouthCamp, host: "区青少年宫", community: 0,
		desc:    "团队定向、攀岩体验和自然观察，专业教练全程带队，含午餐和保险。请穿运动鞋。",
		address: "区青少年户外活动基地（阳光社区门口统一乘车）", lat: 39.9500, lng: 116.3500, day: 6, popular: true,
		sessions: func(day time.Time) []activity.SessionInput {
			return []activity.SessionInput{
				{StartsAt: at(day, 8, 30), EndsAt: at(day, 16, 30), Capacity: 30, WaitlistCapacity: 10},
				{StartsAt: at(day.AddDate(0, 0, 1), 8, 30), EndsAt: at(day.AddDate(0, 0, 1), 16, 30), Capacity: 30, WaitlistCapacity: 10},
			}
		},
		elig:      activity.Eligibility{MinAge: 10, MaxAge: 16},
		questions: []activity.Question{{Type: activity.QuestionText, Title: "紧急联系人电话", Required: true}},
	},
	{
		title: "讲座：守好钱袋子——老年人防范电信诈骗", category: activity.CategoryLecture, host: "幸福街道党工委", community: 1,
		desc:    "派出所民警讲解最新诈骗手法，现场教大家设置手机防诈功能。欢迎子女陪同父母参加。",
		address: "和平社区党群服务中心一楼会议室", lat: 39.9205, lng: 116.4095, day: 4,
		sessions: one(9, 30, 90, 80, 20),
	},
	{
		title: "志愿服务：社区环境清洁日", category: activity.CategoryVolunteerService, host: "阳光志愿者协会", community: 2,
		desc:    "清理楼道小广告、绿地捡拾垃圾、整理共享单车。提供手套和工具，计入志愿服务时长。",
		address: "锦绣社区东门集合", lat: 39.9075, lng: 116.3980, day: 2,
		sessions: one(8, 0, 180, 40, 10),
		elig:     activity.Eligibility{CommunityOnly: true},
	},
	{
		title: "主题党日：重温入党誓词", category: activity.CategoryOther, host: "阳光社区党支部", community: 0,
		desc:    "参观红色教育基地，重温入党誓词，交流学习体会。仅限本社区党员报名。",
		address: "阳光社区党群服务中心三楼党员活动室", lat: 39.9153, lng: 116.4041, day: 7,
		sessions: one(14, 0, 120, 50, 0),
		elig:     activity.Eligibility{CommunityOnly: true, Roles: []string{resident.RolePartyMember}},
	},
}

// Activities is the demo step that adds host organisations and upcoming,
// published activities of every category. It is idempotent: organisations
// are matched by name, and an activity is added again only when no
// upcoming one of the same title exists.
func Activities(svc ActivityService, now func() time.Time) Step {
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context, communities []resident.Community) error {
		if len(communities) == 0 {
			return nil
		}
		orgs, err := svc.Organizations(ctx)
		if err != nil {
			return err
		}
		byName := map[string]activity.Organization{}
		for _, o := range orgs {
			byName[o.Name] = o
		}
		for _, d := range demoOrgs {
			if _, ok := byName[d.name]; ok {
				continue
			}
			in := activity.OrganizationInput{Name: d.name, Type: d.typ}
			if d.parent != "" {
				in.ParentID = byName[d.parent].ID
			}
			if d.communities == nil {
				for _, c := range communities {
					in.CommunityIDs = append(in.CommunityIDs, c.ID)
				}
			} else {
				for _, i := range d.communities {
					in.CommunityIDs = append(in.CommunityIDs, communities[i%len(communities)].ID)
				}
			}
			o, err := svc.CreateOrganization(ctx, seedAdmin, in)
			if err != nil {
				return fmt.Errorf("demo organisation %s: %w", d.name, err)
			}
			byName[o.Name] = o
		}
		existing, _, err := svc.AdminList(ctx, seedAdmin, activity.AdminQuery{Status: activity.StatusPublished}, 1, 1000)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, v := range existing {
			if v.LastEnd().After(now()) {
				have[v.Title] = true
			}
		}
		today := now().In(cst.Zone)
		for _, d := range demoActivities {
			if have[d.title] {
				continue
			}
			day := today.AddDate(0, 0, d.day)
			sessions := d.sessions(day)
			first := sessions[0].StartsAt
			in := activity.ActivityInput{
				Title: d.title, Category: d.category, Description: d.desc, CommunityID: communities[d.community%len(communities)].ID,
				HostOrgID: byName[d.host].ID, Place: activity.Place{Address: d.address, Lat: d.lat, Lng: d.lng},
				SignupOpensAt: now().Add(-time.Hour), SignupClosesAt: first.Add(-time.Hour), CancelDeadlineMinutes: 120,
				PerAccountLimit: d.limit, Series: d.series, Popular: d.popular, Eligibility: d.elig, Questions: d.questions, Sessions: sessions,
			}
			a, err := svc.CreateActivity(ctx, seedAdmin, in)
			if err != nil {
				return fmt.Errorf("demo activity %s: %w", d.title, err)
			}
			if _, err := svc.Publish(ctx, seedAdmin, a.ID); err != nil {
				return fmt.Errorf("demo activity %s: publish: %w", d.title, err)
			}
		}
		return nil
	}
}
