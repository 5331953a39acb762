package httpapi

import (
	"reflect"
	"testing"
)

// signUpBodies are sign-up bodies: the shapes the mini-program sends
// (fast: parseSignUp reads them) and what it must leave to the general
// decoder (its refusals, and what it reads in ways the fast parser does not
// follow).
var signUpBodies = []struct {
	body string
	fast bool
}{
	{`{"session_id":12,"attendees":[{"self":true}]}`, true},
	{` { "session_id" : 12 , "attendees" : [ { "self" : true } , { "dependent_id" : 7 } ] } ` + "\n", true},
	{`{"attendees":[{"dependent_id":3,"self":false}],"session_id":1,"accept_no_cancel":true}`, true},
	{`{"session_id":5,"attendees":[{"self":true}],"answers":{"q1":"是","q2":"三年级二班"},"accept_no_cancel":false}`, true},
	{`{"session_id":5,"attendees":[],"answers":{}}`, true},
	{`{"session_id":0,"attendees":[{}]}`, true},
	{`{}`, true},
	{"{\"session_id\":9,\r\n\t\"attendees\":[{\"self\":true}]}", true},
	{`{"session_id":999999999999999999,"attendees":[{"self":true}]}`, true},
	{`{"session_id":5,"attendees":[{"self":true}],"answers":{"Q1":"a","q2":"b"}}`, true},

	// Left to the general decoder.
	{``, false},
	{`   `, false},
	{`null`, false},
	{`[]`, false},
	{`{"session_id":12,"attendees":[{"self":true}]} {}`, false},
	{`{"session_id":12,"attendees":[{"self":true}]}x`, false},
	{`{"session_id":12,"session_id":13,"attendees":[{"self":true}]}`, false},
	{`{"session_id":12,"Session_ID":13}`, false},
	{`{"SESSION_ID":12}`, false},
	{`{"session_id":"12"}`, false},
	{`{"session_id":-12}`, false},
	{`{"session_id":012}`, false},
	{`{"session_id":1.0}`, false},
	{`{"session_id":1e3}`, false},
	{`{"session_id":1E3}`, false},
	{`{"session_id":9223372036854775808}`, false},
	{`{"session_id":1234567890123456789}`, false},
	{`{"session_id":null}`, false},
	{`{"session_id":}`, false},
	{`{"session_id":12,}`, false},
	{`{"session_id":12`, false},
	{`{"session_id" 12}`, false},
	{`{"attendees":null}`, false},
	{`{"attendees":{"self":true}}`, false},
	{`{"attendees":[{"self":true},]}`, false},
	{`{"attendees":[{"self":true}`, false},
	{`{"attendees":[{"self":1}]}`, false},
	{`{"attendees":[{"self":truex}]}`, false},
	{`{"attendees":[{"self":tru}]}`, false},
	{`{"attendees":[{"self":true,"self":false}]}`, false},
	{`{"attendees":[{"self":true,"name":"x"}]}`, false},
	{`{"attendees":[{"dependent_id":-1}]}`, false},
	{`{"attendees":[null]}`, false},
	{`{"answers":null}`, false},
	{`{"answers":{"q1":1}}`, false},
	{`{"answers":{"q1":"a","q1":"b"}}`, false},
	{`{"answers":{"q1":"a","Q1":"b"}}`, false},
	{`{"answers":{"Q1":"a","q1":"b"}}`, false},
	{`{"answers":{"Ä":"a","ä":"b"}}`, false},
	{`{"answers":{"q1":"a\"b"}}`, false},
	{`{"answers":{"q1":"\u4e00"}}`, false},
	{"{\"answers\":{\"q1\":\"a\x01\"}}", false},
	{"{\"answers\":{\"q1\":\"\xff\"}}", false},
	{"{\"answers\":{\"\xc3\":\"a\"}}", false},
	{`{"accept_no_cancel":"true"}`, false},
	{`{"accept_no_cancel":null}`, false},
	{`{"other":1}`, false},
	{"\ufeff{}", false},
}

// TestParseSignUpAgreesWithTheDecoder: what the fast parser reads, the
// general decoder reads the same way; what it leaves, it leaves untouched.
func TestParseSignUpAgreesWithTheDecoder(t *testing.T) {
	for _, tc := range signUpBodies {
		t.Run(tc.body, func(t *testing.T) {
			var fast signUpBody
			got := parseSignUp([]byte(tc.body), &fast)
			if got != tc.fast {
				t.Fatalf("parseSignUp = %v, want %v", got, tc.fast)
			}
			agree(t, []byte(tc.body), got, fast)
		})
	}
}

// agree checks one body: accepted means the general decoder accepts it too
// and decodes the same value; refused means *req was left zero.
func agree(t *testing.T, body []byte, accepted bool, fast signUpBody) {
	t.Helper()
	if !accepted {
		if !reflect.DeepEqual(fast, signUpBody{}) {
			t.Fatalf("refused body left %+v behind", fast)
		}
		return
	}
	var general signUpBody
	if err := decodeBytes(body, &general); err != nil {
		t.Fatalf("fast parser accepted what the decoder refuses (%v)", err)
	}
	if !reflect.DeepEqual(fast, general) {
		t.Fatalf("fast parser read %+v, the decoder %+v", fast, general)
	}
}

func FuzzParseSignUp(f *testing.F) {
	for _, tc := range signUpBodies {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast signUpBody
		agree(t, body, parseSignUp(body, &fast), fast)
	})
}
