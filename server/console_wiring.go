package main

import (
	"context"
	"log/slog"

	"gongjian/config"
	"gongjian/internal/auth"
	"gongjian/internal/consoleauth"
	"gongjian/internal/httpapi"
	"gongjian/internal/redisstore"
	"gongjian/internal/resident"
	"gongjian/internal/wechat"
	"gongjian/internal/wxemu"

	"github.com/redis/go-redis/v9"
)

// consoleParts are the desk console's pieces (issue 17).
type consoleParts struct {
	auth     *consoleauth.Service
	devLogin httpapi.DevLogin // nil unless the development login is offered
}

// newConsole builds the console's login service. In the development login
// mode the users of "dev:admin" (district admin) and "dev:staff" (staff of
// the first community) are made ready to log in.
func newConsole(ctx context.Context, cfg config.Config, appID string, rdb redis.UniversalClient, prefix string,
	wc *wechat.Client, people *resident.Service, authSvc *auth.Service, log *slog.Logger, seed bool) (consoleParts, error) {
	cc := cfg.Console
	p := consoleParts{auth: consoleauth.NewService(consoleauth.Config{
		IdleTimeout: cc.IdleTimeout, MaxLifetime: cc.MaxLifetime, QRTTL: cc.QRTTL,
	}, redisstore.NewConsoleSessions(rdb, prefix), people, wc, nil)}
	if !cfg.DevConsoleLogin() {
		return p, nil
	}
	p.devLogin = func(ctx context.Context, name string) (resident.User, error) {
		t, err := authSvc.Login(ctx, wxemu.LoginCode(name))
		if err != nil {
			return resident.User{}, err
		}
		return people.Me(ctx, t.User.ID)
	}
	if !seed {
		return p, nil
	}
	if _, err := people.GrantRoleByOpenID(ctx, wxemu.OpenID(appID, "admin"), resident.RoleChange{Role: resident.RoleAdmin}); err != nil {
		return p, err
	}
	comms, err := people.Communities(ctx)
	if err != nil {
		return p, err
	}
	if len(comms) > 0 {
		if _, err := people.GrantRoleByOpenID(ctx, wxemu.OpenID(appID, "staff"),
			resident.RoleChange{Role: resident.RoleStaff, CommunityID: comms[0].ID}); err != nil {
			return p, err
		}
	}
	log.Warn("DEVELOPMENT: the console offers the login dev:<name>; dev:admin is a district admin, dev:staff staff of the first community")
	return p, nil
}
