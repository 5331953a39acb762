package main

import (
	"strings"

	"gongjian/config"
	"gongjian/internal/hours"
	"gongjian/internal/qrcode"
)

// configureRecords sets the hours rules and what service records carry:
// their issuer and the QR code of their public verification page.
func configureRecords(svc *hours.Service, cfg config.Config) {
	svc.Configure(hours.Config{
		CorrectionApprovalMinutes: cfg.Hours.CorrectionApprovalMinutes,
		RecordIssuer:              cfg.Hours.RecordIssuer,
		RecordVerifyURL:           recordVerifyURL(cfg),
	})
	svc.UseQRCodes(qrcode.Encoder{})
}

// recordVerifyURL is the verification page printed on records: configured,
// else on the public address WeChat reaches, else (development) on the
// local listener.
func recordVerifyURL(cfg config.Config) string {
	if u := cfg.Hours.RecordVerifyURL; u != "" {
		return strings.TrimRight(u, "/")
	}
	base := cfg.WeChat.PublicBaseURL
	if base == "" {
		base = localBaseURL(cfg)
	}
	return strings.TrimRight(base, "/") + "/service-records"
}

// localBaseURL is this server's own address on the machine (development:
// nothing outside reaches it).
func localBaseURL(cfg config.Config) string {
	addr := cfg.HTTP.Addr
	if strings.HasPrefix(addr, ":") || strings.HasPrefix(addr, "0.0.0.0:") {
		addr = "127.0.0.1:" + addr[strings.LastIndex(addr, ":")+1:]
	}
	return "http://" + addr
}
