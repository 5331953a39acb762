package httpapi

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
	"gongjian/internal/media"
)

// uploadReadTimeout replaces the server's read timeout for an upload: a
// 5 MiB photo over a slow mobile network takes longer than a JSON body.
const uploadReadTimeout = 2 * time.Minute

// uploadBodyMax is the upload route's own body limit: the largest file and
// room for the multipart framing. Every other route keeps MaxBodyBytes.
const uploadBodyMax = media.MaxBytes + 64<<10

var (
	errNotMultipart = errs.Invalid("NOT_MULTIPART", "上传方式不正确，请在小程序中重新选择照片上传")
	errNoFile       = errs.Invalid("FILE_REQUIRED", "请选择要上传的照片")
)

func (a *API) postUpload(c *gin.Context) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		fail(c, errNotMultipart)
		return
	}
	// Not supported only by writers without deadlines (tests' recorders).
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(uploadReadTimeout))
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			fail(c, errNoFile)
			return
		}
		if err != nil {
			fail(c, uploadReadError(err))
			return
		}
		if part.FormName() != "file" {
			continue // NextPart skips the rest of this part
		}
		u, err := a.d.Media.Save(c.Request.Context(), userID(c), part)
		if err != nil {
			fail(c, uploadReadError(err))
			return
		}
		c.JSON(http.StatusCreated, gin.H{"url": u.Ref(), "id": u.ID, "content_type": u.ContentType, "size": u.Size,
			"width": u.Width, "height": u.Height})
		return
	}
}

// uploadReadError maps the body limit (hit while reading) to the upload's
// own too-large answer and a torn multipart body to a bad request.
func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return media.ErrTooLarge
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	return errs.Wrap(err, errs.KindInvalid, "BAD_MULTIPART", "上传的内容格式不正确，请重新上传")
}

func (a *API) getUpload(c *gin.Context) {
	viewer, ok := a.me(c)
	if !ok {
		return
	}
	u, err := a.d.Media.Open(c.Request.Context(), viewer, c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(uploadReadTimeout))
	h := c.Writer.Header()
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("Vary", "Authorization")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	etag := `"` + u.ID + `"`
	h.Set("ETag", etag)
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, u.ContentType, u.Data)
}
