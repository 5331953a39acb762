package wechat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gongjian/internal/notify"
)

// Notifier sends notify's subscribe messages through the client and
// classifies WeChat's refusals into the classes notify acts on.
type Notifier struct{ C *Client }

var _ notify.Sender = Notifier{}

// SendSubscribe sends m; a failure is a *notify.SendError.
func (n Notifier) SendSubscribe(ctx context.Context, m notify.SubscribeMessage) (int64, error) {
	id, err := n.C.SendSubscribe(ctx, Message{ToUser: m.ToUser, TemplateID: m.TemplateID, Page: m.Page, Data: m.Data,
		MiniprogramState: m.MiniprogramState})
	if err != nil {
		return 0, SendFailure(err)
	}
	return id, nil
}

// SendFailure classifies an error of SendSubscribe for notify.
func SendFailure(err error) *notify.SendError {
	code, isAPI := ErrCode(err)
	se := &notify.SendError{Class: notify.SendFailed, Code: code, Reason: sendReason(err), Err: err}
	switch {
	case isAPI && code == 43101: // the user has no subscription left (or refused)
		se.Class = notify.SendNoGrant
	case isAPI && (code == 47003 || code == 47001 || code == 40037 || code == 40003): // the message itself is wrong
		se.Class = notify.SendRejected
	case IsTransient(err):
		se.Class = notify.SendTransient
	}
	return se
}

// sendReason is a short, safe text of a send error for staff.
func sendReason(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		msg, _, _ := strings.Cut(ae.Msg, " rid:")
		return fmt.Sprintf("errcode %d: %s", ae.Code, msg)
	}
	return err.Error()
}
