package httpapi

import (
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
)

type pageDTO[T any] struct {
	Items    []T `json:"items"`
	Total    int `json:"total"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
}

func paging(c *gin.Context, defSize, maxSize int) (int, int, error) {
	page, err := queryInt(c, "page", 1, 1, 100000)
	if err != nil {
		return 0, 0, err
	}
	size, err := queryInt(c, "page_size", defSize, 1, maxSize)
	return page, size, err
}

func queryTime(c *gin.Context, name string, endOfDay bool) (time.Time, error) {
	s := c.Query(name)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(dateLayout, s, cst.Zone)
	if err != nil {
		return time.Time{}, errs.Invalid("BAD_QUERY", "参数 "+name+" 应为日期（2026-12-01）或 RFC 3339 时间")
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

func queryBool(c *gin.Context, name string) (bool, error) {
	switch c.Query(name) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, errs.Invalid("BAD_QUERY", "参数 "+name+" 应为 true 或 false")
}
