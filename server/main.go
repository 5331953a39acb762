// Command gongjian is the Gongjian server and its operator commands:
//
//	gongjian [-config FILE]                 serve the API (the default)
//	gongjian [-config FILE] migrate         apply pending schema migrations
//	gongjian [-config FILE] seed-demo       load the demo data set
//	gongjian [-config FILE] admin grant --openid OPENID --role ROLE [--community ID] [--org ID] [--scope subdistrict]
//
// This file is the composition root: every dependency is built and wired here.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"gongjian/config"
	"gongjian/internal/activity"
	"gongjian/internal/audit"
	"gongjian/internal/auth"
	"gongjian/internal/checkin"
	"gongjian/internal/cobuild"
	"gongjian/internal/console"
	"gongjian/internal/dashboard"
	"gongjian/internal/demo"
	"gongjian/internal/hours"
	"gongjian/internal/httpapi"
	"gongjian/internal/imageurl"
	"gongjian/internal/media"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/redisstore"
	"gongjian/internal/resident"
	"gongjian/internal/rooms"
	"gongjian/internal/wechat"
	"gongjian/internal/wristband"
	"gongjian/internal/wxemu"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// The server's live heap is small (tens of MB) and the machines it
		// runs on have memory to spare: collecting at 4× the live heap
		// instead of 2× halves the collector's share of a busy sign-up
		// release. GOGC in the environment overrides this.
		debug.SetGCPercent(300)
	}
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gongjian:", err)
		os.Exit(1)
	}
}

// run parses the command line and runs one command until ctx ends or SIGTERM/SIGINT.
func run(ctx context.Context, args []string, getenv func(string) string, stderr *os.File) error {
	fs := flag.NewFlagSet("gongjian", flag.ContinueOnError)
	cfgPath := fs.String("config", getenv("GONGJIAN_CONFIG"), "path of a YAML config file (see config/config.example.yaml)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	cmd, rest := "serve", fs.Args()
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	switch cmd {
	case "serve":
		app, err := build(ctx, cfg, log, true)
		if err != nil {
			return err
		}
		defer app.Close()
		return app.Serve(ctx)
	case "migrate":
		// Only the database: the rest of the application expects the
		// schema that this command is about to create.
		db, err := openDB(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer db.Close()
		applied, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stdout, "migrations applied: %d %v\n", len(applied), applied)
		return nil
	case "seed-demo":
		app, err := build(ctx, cfg, log, true)
		if err != nil {
			return err
		}
		defer app.Close()
		return app.seeder.Load(ctx)
	case "admin":
		app, err := build(ctx, cfg, log, true)
		if err != nil {
			return err
		}
		defer app.Close()
		return adminCommand(ctx, app, rest)
	default:
		return fmt.Errorf("unknown command %q (serve, migrate, seed-demo, admin)", cmd)
	}
}

func adminCommand(ctx context.Context, app *App, args []string) error {
	if len(args) == 0 || (args[0] != "grant" && args[0] != "revoke") {
		return errors.New("usage: admin grant|revoke --openid OPENID --role admin|staff|volunteer|party_member|unit_contact [--community ID] [--org ID] [--scope subdistrict|community|org]")
	}
	fs := flag.NewFlagSet("admin "+args[0], flag.ContinueOnError)
	openid := fs.String("openid", "", "the user's WeChat openid")
	role := fs.String("role", "", "admin | staff | volunteer | party_member")
	community := fs.Int64("community", 0, "community id the role is scoped to (staff)")
	org := fs.Int64("org", 0, "organisation id the role is scoped to (staff)")
	scope := fs.String("scope", "", "subdistrict (staff of every community: must be asked for explicitly) | community | org")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	rc := resident.RoleChange{Role: *role, CommunityID: *community, OrgID: *org, Scope: *scope}
	var u resident.User
	var err error
	if args[0] == "grant" {
		u, err = app.residents.GrantRoleByOpenID(ctx, *openid, rc)
	} else {
		u, err = app.store.UserByOpenID(ctx, *openid)
		if err == nil {
			u, err = app.residents.RevokeRole(ctx, u.ID, rc)
		}
		if err == nil && resident.OpensStaffDoors(rc.Role) {
			// As the admin API does: the tokens the user holds end on every
			// process (through Redis) and a refresh carries on without the role.
			err = app.auth.Revoke(ctx, u.ID)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "user %d (%s) roles:", u.ID, u.OpenID)
	for _, r := range u.Roles {
		fmt.Fprintf(os.Stdout, " %s", r.Role)
		if r.CommunityID != 0 {
			fmt.Fprintf(os.Stdout, "@community:%d", r.CommunityID)
		}
		if r.OrgID != 0 {
			fmt.Fprintf(os.Stdout, "@org:%d", r.OrgID)
		}
	}
	fmt.Fprintln(os.Stdout)
	return nil
}

func newLogger(c config.Log, w *os.File) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// App is the wired application.
type App struct {
	cfg       config.Config
	log       *slog.Logger
	db        *mysqlstore.DB
	redis     *redisstore.Conn
	store     *mysqlstore.ResidentStore
	residents *resident.Service
	auth      *auth.Service // logins and access tokens (their revocation)
	seeder    *demo.Seeder
	checkin   *checkin.Service
	handler   http.Handler
	closers   []func()

	wristbands *wristband.Service
	// jobs run beside the HTTP server in Serve until its context ends.
	jobs      []func(ctx context.Context)
	emuTenant *wxemu.Tenant // the built-in emulator's tenant (embedded mode only)
	notify    notifyParts
	// activities: activities and registrations (issue 3).
	activities *activity.Service
	cobuild    *cobuild.Service // co-building (issue 15)
}

// Close releases everything App opened, last first.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// openDB opens MySQL or, in the embedded mode, the SQLite file under the
// data directory.
func openDB(ctx context.Context, cfg config.Config, log *slog.Logger) (*mysqlstore.DB, error) {
	if cfg.EmbeddedDB() {
		log.Warn("EMBEDDED MODE: using the SQLite file under the data directory instead of MySQL; for development only",
			slog.String("data_dir", cfg.DataDir))
	}
	return mysqlstore.Open(ctx, mysqlstore.Options{
		DSN: cfg.MySQL.DSN, SQLitePath: cfg.DataDir + "/gongjian.db", MaxOpenConns: cfg.MySQL.MaxOpenConns, Logger: log,
	})
}

// build wires the application. migrate applies migrations (when enabled in config).
func build(ctx context.Context, cfg config.Config, log *slog.Logger, migrate bool) (_ *App, err error) {
	app := &App{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			app.Close()
		}
	}()
	secrets, err := loadSecrets(cfg)
	if err != nil {
		return nil, err
	}

	app.db, err = openDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	app.closers = append(app.closers, func() { app.db.Close() })
	if migrate && cfg.MySQL.AutoMigrate {
		applied, err := app.db.Migrate(ctx)
		if err != nil {
			return nil, err
		}
		if len(applied) > 0 {
			log.Info("migrations applied", slog.Any("ids", applied))
		}
	}

	// Redis or the in-process Redis-protocol server.
	if cfg.EmbeddedRedis() {
		log.Warn("EMBEDDED MODE: using an in-process Redis server (nothing survives a restart); for development only")
	}
	app.redis, err = redisstore.Open(ctx, redisstore.Options{
		Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB, MasterName: cfg.Redis.MasterName,
	})
	if err != nil {
		return nil, err
	}
	app.closers = append(app.closers, app.redis.Close)
	rdb, prefix := app.redis.Client, cfg.Redis.KeyPrefix

	// WeChat, or the built-in emulator when no app id is configured.
	wcfg := wechat.Config{AppID: cfg.WeChat.AppID, AppSecret: cfg.WeChat.AppSecret, APIBase: cfg.WeChat.APIBase, Timeout: cfg.WeChat.Timeout}
	if cfg.EmulatedWeChat() {
		emu := wxemu.New(wxemu.Options{})
		base, closeEmu, err := emu.Listen("127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		app.closers = append(app.closers, closeEmu)
		wcfg = wechat.Config{AppID: "wxemulator0000000", AppSecret: "emulator-secret", APIBase: base, Timeout: cfg.WeChat.Timeout}
		app.emuTenant = emu.Tenant(wcfg.AppID)
		log.Warn("EMBEDDED MODE: WeChat calls go to the built-in emulator; log in with the code dev:<name>", slog.String("emulator", base))
	}
	wc, err := wechat.New(wcfg, rdb, prefix)
	if err != nil {
		return nil, err
	}

	box, err := newBox(ctx, app.db, secrets, log)
	if err != nil {
		return nil, err
	}
	app.store = mysqlstore.NewResidentStore(app.db)
	app.residents = resident.NewService(app.store, box, wc, nil)
	quota := redisstore.NewQuota(rdb, prefix)
	app.closers = append(app.closers, quota.Close)
	limiter := redisstore.NewLimiterWith(quota, prefix)
	app.closers = append(app.closers, limiter.Close)
	authSvc := auth.NewService(auth.Config{
		JWTSecret: secrets.jwt, OldJWTSecrets: secrets.jwtOld, AccessTTL: cfg.Security.AccessTokenTTL, RefreshTTL: cfg.Security.RefreshTokenTTL,
		PerUserPerMinute: cfg.Login.PerUserPerMinute,
		LoginTimeout:     cfg.Login.WeChatTimeout, BreakerFailures: cfg.Login.BreakerFailures, BreakerCooldown: cfg.Login.BreakerCooldown,
	}, wechatLogin{wc}, app.store, box, limiter, nil)
	authSvc.RevokeWith(redisstore.NewTokenVersions(rdb, prefix, cfg.Security.RevocationDelay))
	app.auth = authSvc

	// Activities and registrations: quotas in Redis, truth in MySQL.
	app.activities = activity.NewService(activity.Deps{
		Store: mysqlstore.NewActivityStore(app.db), Quota: quota, People: app.residents, Box: box,
		Log: log, Config: activityConfig(cfg.Registration),
	})
	app.closers = append(app.closers, app.activities.Close)
	app.jobs = append(app.jobs, app.activities.RunReconciler)
	// Waitlists of sessions that have started end, and their residents are told.
	app.jobs = append(app.jobs, func(ctx context.Context) { app.activities.RunWaitlistEnder(ctx, time.Minute) })
	// Sold-out refusals are remembered while every freeing change is heard.
	app.jobs = append(app.jobs, func(ctx context.Context) { app.activities.FollowQuota(ctx, quota) })
	residenceSvc := newResidence(app.db, app.activities)

	ticketKeys, err := checkin.NewKeys(secrets.ticketSeed)
	if err != nil {
		return nil, err
	}
	// Rooms and venues, bookings and cultural teams (issue 16); a booking's
	// ticket is signed with the check-in key.
	roomStore := mysqlstore.NewRoomStore(app.db)
	roomsAt := func(now func() time.Time) *rooms.Service {
		s := rooms.NewService(roomStore, ticketKeys, box, rooms.Config{OpenBefore: cfg.Checkin.OpenBefore}, now)
		s.UsePeople(app.store) // desk staff book for a resident by account id
		return s
	}
	roomsSvc := roomsAt(nil)
	app.jobs = append(app.jobs, func(ctx context.Context) { roomsSvc.RunReleaser(ctx, time.Minute, log) })

	app.seeder = demo.NewSeeder(app.residents, app.store, log, demo.Activities(app.activities, nil), demo.Rooms(roomsAt, app.store, app.activities, nil))
	if migrate {
		if err := app.seeder.Communities(ctx, cfg.Seed.Communities); err != nil {
			return nil, err
		}
		if demoOn(cfg) {
			if err := app.seeder.Load(ctx); err != nil {
				return nil, err
			}
		}
	}

	// Check-in and service hours.
	view := mysqlstore.NewActivityView(app.db)
	app.checkin = checkin.NewService(ticketKeys, view, mysqlstore.NewCheckinStore(app.db), wc, redisstore.NewBlobs(rdb, prefix), checkin.Config{
		OpenBefore: cfg.Checkin.OpenBefore, CloseAfter: cfg.Checkin.CloseAfter,
		RadiusMeters: float64(cfg.Checkin.RadiusMeters), ClockSkew: cfg.Checkin.ClockSkew,
	}, nil)
	// Photo uploads (in the database: every process serves them); claims accept only the claimant's own.
	mediaSvc := media.NewService(mysqlstore.NewMediaStore(app.db), limiter, media.Config{
		PerUserPerHour: cfg.Uploads.PerUserPerHour, UnattachedTTL: cfg.Uploads.UnattachedTTL}, nil)
	app.jobs = append(app.jobs, func(ctx context.Context) {
		mediaSvc.RunPurge(ctx, time.Hour, func(err error) {
			log.Warn("purging unattached uploads failed", slog.String("error", err.Error()))
		})
	})
	// Image addresses people give (avatars, covers): https on uploads.image_hosts, or their own uploads
	// (the mini-program's chooseAvatar picture is an upload).
	images := imageurl.New(cfg.Uploads.ImageHosts, mediaSvc)
	app.residents.AcceptAvatars(images)
	app.activities.UseImages(images)
	roomsSvc.UseImages(images)
	// Rooms open to "residents of the community" and team joins look at the
	// confirmed residence, as community-only activities do.
	roomsSvc.UseResidences(residenceSvc)
	hoursSvc := hours.NewService(mysqlstore.NewHoursStore(app.db), view, view, app.store, mediaSvc, box, nil)
	configureRecords(hoursSvc, cfg)
	// Forgotten check-outs are closed at their session's end (every process
	// may run it: closing is a conditional update).
	app.jobs = append(app.jobs, func(ctx context.Context) {
		app.checkin.RunSweeper(ctx, time.Minute, func(err error) {
			log.Warn("closing forgotten check-outs failed", slog.String("error", err.Error()))
		})
	})
	wb := cfg.Wristband
	app.wristbands = wristband.NewService(wristband.Config{
		Vendors:                wb.Vendors,
		ReplayWindow:           wb.ReplayWindow,
		RetentionDays:          wb.RetentionDays,
		PushRecordDays:         wb.PushRecordDays,
		AccessLogRetentionDays: wb.AccessLogRetentionDays,
		EscalationDelay:        wb.EscalationDelay,
		InvitationTTL:          wb.InvitationTTL,
		BindCodeTTL:            wb.BindCodeTTL,
		BindAttempts:           wb.BindAttempts,
		LateAfter:              wb.LiveWindow,
		UnattachedDays:         wb.UnattachedDays,
	}, mysqlstore.NewWristbandStore(app.db), app.residents, redisstore.NewNonces(rdb, prefix), nil)
	app.wristbands.LimitBindAttempts(limiter)
	app.jobs = append(app.jobs, func(ctx context.Context) { app.wristbands.Run(ctx, wb.JobInterval, log) })

	push := wechatPush(cfg, app.emuTenant)
	app.cobuild = newCobuild(cfg, app.db, app.store, box, wc, mediaSvc, push)
	app.cobuild.UseResidences(residenceSvc) // supporting a proposal: confirmed residents only
	if err := seedCobuild(ctx, app, cfg, box, mediaSvc, wcfg.AppID, migrate); err != nil {
		return nil, err
	}
	app.jobs = append(app.jobs, func(ctx context.Context) { runOverdueReminders(ctx, app.cobuild, log) })
	consoleParts, err := newConsole(ctx, cfg, wcfg.AppID, rdb, prefix, wc, app.residents, authSvc, log, migrate)
	if err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	app.notify, err = newNotify(cfg, app.db, rdb, prefix, wc, reg, log, app.emuTenant)
	if err != nil {
		return nil, err
	}
	reg.MustRegister(app.activities.Collectors()...)
	gin.SetMode(gin.ReleaseMode)
	app.handler = httpapi.New(httpapi.Deps{
		Logger: log, Registry: reg, Auth: authSvc, Residents: app.residents, Limiter: limiter,
		Ready:        map[string]httpapi.Pinger{"database": app.db, "redis": redisPinger{rdb}},
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes, LoginPerIPPerMinute: cfg.Login.PerIPPerMinute,
		Checkin: app.checkin, Hours: hoursSvc,
		Wristbands: app.wristbands,
		Notify:     app.notify.service,
		Activities: app.activities,
		Limits: httpapi.Limits{RegistrationPerUser: cfg.Limits.RegistrationPerUser, RegistrationPerIP: cfg.Limits.RegistrationPerIP,
			CheckinPerUser: cfg.Limits.CheckinPerUser, CheckinPerIP: cfg.Limits.CheckinPerIP},
		TrustedProxies:  cfg.HTTP.TrustedProxies,
		MetricsAllow:    cfg.HTTP.MetricsAllow,
		Media:           mediaSvc,
		Rooms:           roomsSvc,
		Cobuild:         app.cobuild,
		WeChatPush:      push,
		Console:         console.Handler(),
		Residence:       residenceSvc,
		ConsoleAuth:     consoleParts.auth,
		ConsoleDevLogin: consoleParts.devLogin,
		Audit:           audit.NewService(mysqlstore.NewAuditStore(app.db)),
		Dashboard:       dashboard.NewService(mysqlstore.NewDashboardStore(app.db), nil),
	})
	return app, nil
}

// Serve runs the HTTP server until ctx ends, then finishes in-flight requests.
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.HTTP.Addr)
	if err != nil {
		return err
	}
	return a.serveOn(ctx, ln)
}

func (a *App) serveOn(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: a.cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       a.cfg.HTTP.ReadTimeout,
		WriteTimeout:      a.cfg.HTTP.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	a.log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("env", a.cfg.Env))
	jobCtx, stopJobs := context.WithCancel(ctx)
	var jobs sync.WaitGroup
	for _, j := range a.jobs {
		jobs.Go(func() { j(jobCtx) })
	}
	defer func() { stopJobs(); jobs.Wait() }()
	if a.cfg.HTTP.DebugAddr != "" {
		jobs.Go(func() { serveDebug(jobCtx, a.log, a.cfg.HTTP.DebugAddr) })
	}
	stopWorkers := a.startWorkers(ctx)
	defer stopWorkers() // after the HTTP shutdown below: WeChat calls under way finish and are recorded
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(httpapi.WarmListener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	a.log.Info("stopped")
	return nil
}
