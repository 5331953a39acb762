package main

import "net/url"

// recordsRows are service record verification's routes (issue 12 point 6):
// anyone holding a record's number may verify it (the holder's name
// masked: the matrix checks that no answer shows the owner's personal
// data); every logged-in person gets the code of their own record.
func (w *authzWorld) recordsRows() []authzRow {
	ok := 200
	pub := st(ok, ok, ok, ok, ok, ok, ok)
	return []authzRow{
		{"GET /api/v1/service-records/{number}", pub, func(int) authzCall { return p2("/api/v1/service-records/%s", w.recordNumber()) }},
		{"GET /api/v1/service-records", pub, func(int) authzCall { return p2("/api/v1/service-records?number=%s", url.QueryEscape(w.recordNumber())) }},
		{"GET /service-records/{number}", pub, func(int) authzCall { return p2("/service-records/%s", url.PathEscape(w.recordNumber())) }},
		{"GET /service-records", pub, func(int) authzCall { return p2("/service-records?number=%s", url.QueryEscape(w.recordNumber())) }},
		{"GET /api/v1/me/hours/record/code", st(401, ok, ok, ok, ok, ok, ok), func(int) authzCall { return p2("/api/v1/me/hours/record/code") }},
	}
}

// recordNumber is the number of the owner's current service record.
func (w *authzWorld) recordNumber() string {
	w.t.Helper()
	r := w.must(w.ta.do("GET", "/api/v1/me/hours/record", w.tok[owner], nil), 200, "the owner's record")
	return r.Body["record_number"].(string)
}
