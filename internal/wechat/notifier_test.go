package wechat

import (
	"errors"
	"testing"

	"gongjian/internal/notify"
)

// WeChat's answers are classified into the classes notify acts on; notify
// itself knows no WeChat error code.
func TestSendFailureClasses(t *testing.T) {
	for _, tc := range []struct {
		err   error
		class notify.SendClass
		code  int
	}{
		{&APIError{Code: 43101, Msg: "user refuse to accept the msg rid: 1"}, notify.SendNoGrant, 43101},
		{&APIError{Code: 47003, Msg: "argument invalid! data.thing1.value invalid"}, notify.SendRejected, 47003},
		{&APIError{Code: 40037, Msg: "invalid template_id"}, notify.SendRejected, 40037},
		{&APIError{Code: 45011, Msg: "api minute-quota reach limit"}, notify.SendTransient, 45011},
		{&APIError{Code: -1, Msg: "system error"}, notify.SendTransient, -1},
		{&transportError{msg: "connection reset"}, notify.SendTransient, 0},
		{&APIError{Code: 40013, Msg: "invalid appid"}, notify.SendFailed, 40013},
	} {
		se := SendFailure(tc.err)
		if se.Class != tc.class || se.Code != tc.code || se.Reason == "" || !errors.Is(se, tc.err) {
			t.Errorf("%v: %+v", tc.err, se)
		}
	}
	if r := SendFailure(&APIError{Code: 43101, Msg: "refused rid: 64f0"}).Reason; r != "errcode 43101: refused" {
		t.Errorf("reason %q keeps WeChat's request id", r)
	}
}
