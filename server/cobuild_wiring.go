package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"gongjian/config"
	"gongjian/internal/cobuild"
	"gongjian/internal/demo"
	"gongjian/internal/httpapi"
	"gongjian/internal/media"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/pii"
	"gongjian/internal/wechat"
	"gongjian/internal/wxemu"
)

// contentCheck adapts the WeChat client to co-building's content security.
type contentCheck struct{ c *wechat.Client }

func (w contentCheck) CheckText(ctx context.Context, openID, text string) (string, error) {
	v, err := w.c.MsgCheck(ctx, wechat.TextCheck{OpenID: openID, Scene: wechat.SceneForum, Content: text})
	return v.Suggest, err
}

func (w contentCheck) CheckMedia(ctx context.Context, openID, url string) (string, error) {
	return w.c.MediaCheckAsync(ctx, openID, url, wechat.SceneForum)
}

// wechatPush is the message-push configuration; in the embedded mode the
// built-in emulator pushes to this server (a development token when none
// is configured).
func wechatPush(cfg config.Config, emu *wxemu.Tenant) httpapi.WeChatPush {
	p := httpapi.WeChatPush{Token: cfg.WeChat.PushToken, PublicBaseURL: cfg.WeChat.PublicBaseURL}
	if emu == nil {
		return p
	}
	if p.Token == "" {
		p.Token = "gongjian-dev-push-token"
	}
	if p.PublicBaseURL == "" {
		p.PublicBaseURL = localBaseURL(cfg)
	}
	emu.SetPush(strings.TrimRight(p.PublicBaseURL, "/")+"/api/v1/wechat/push", p.Token)
	return p
}

// newCobuild wires co-building (issue 15): its store, the people it reads,
// WeChat's content security and residents' photos.
func newCobuild(cfg config.Config, db *mysqlstore.DB, people *mysqlstore.ResidentStore, box *pii.Box, wc *wechat.Client, photos *media.Service, push httpapi.WeChatPush) *cobuild.Service {
	svc := cobuild.NewService(mysqlstore.NewCobuildStore(db), people, box, contentCheck{wc}, cobuild.Config{
		WishesPerResident: cfg.Cobuild.WishesPerResident, SupportThreshold: cfg.Cobuild.SupportThreshold,
	}, nil)
	svc.AcceptPhotos(photos, httpapi.SignedMediaURL(push, time.Now))
	return svc
}

// runOverdueReminders reminds overdue projects' units every hour (each
// project at most once a day, whichever process runs first).
func runOverdueReminders(ctx context.Context, svc *cobuild.Service, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if _, err := svc.RemindOverdue(ctx); err != nil && ctx.Err() == nil {
			log.Warn("co-building overdue reminders failed", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// demoOn reports whether the demo data set is loaded at start.
func demoOn(cfg config.Config) bool {
	return cfg.Seed.Demo == "always" || (cfg.Seed.Demo == "auto" && cfg.EmbeddedDB())
}

// seedCobuild adds co-building's demo step to the seeder and, when the
// demo is loaded at start, runs it (its logins are "dev:<name>" codes of
// the built-in emulator's AppID).
func seedCobuild(ctx context.Context, app *App, cfg config.Config, box *pii.Box, uploads *media.Service, appID string, migrate bool) error {
	step := demo.Cobuild(mysqlstore.NewCobuildStore(app.db), app.store, box, uploads, func(name string) string { return wxemu.OpenID(appID, name) }, nil)
	app.seeder.Add(step)
	if migrate && demoOn(cfg) {
		return app.seeder.Run(ctx, step)
	}
	return nil
}
