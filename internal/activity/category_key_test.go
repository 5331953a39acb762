package activity

import "testing"

func TestCategoryKeyReadsKeysNamesAndWords(t *testing.T) {
	for in, want := range map[string]string{
		"clinic": "clinic", "义诊": "clinic", "四点半学校": "after_school", "讲座/培训": "lecture", "讲座": "lecture", "培训": "lecture",
		"志愿服务": "volunteer_service", "青少年快乐营地": "youth_camp", "文艺演出": "performance", "其他": "other",
		"after school": "after_school", "Youth-Camp": "youth_camp", " 义诊 ": "clinic", "": "", "相亲会": "", "/": "",
	} {
		if got := CategoryKey(in); got != want {
			t.Errorf("CategoryKey(%q) = %q, want %q", in, got, want)
		}
	}
}
