package benchkit

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BuildServer builds ./server into dir (a bench runs from the repository
// root) and returns the binary's path.
func BuildServer(dir string) (string, error) {
	bin := filepath.Join(dir, "gongjian")
	fmt.Println("building ./server …")
	build := exec.Command("go", "build", "-o", bin, "./server")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("go build ./server (run the bench from the repository root): %w", err)
	}
	return bin, nil
}

// BuildServerInTemp builds ./server (as BuildServer does) into a new
// temporary directory named after pattern (as os.MkdirTemp names it) and
// returns the directory, which the caller removes, and the binary's path.
func BuildServerInTemp(pattern string) (dir, bin string, err error) {
	if dir, err = os.MkdirTemp("", pattern); err != nil {
		return "", "", err
	}
	if bin, err = BuildServer(dir); err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	return dir, bin, nil
}

// ServerEnv is the environment a bench's server processes share: the
// development mode with fresh keys on the given data directory, database
// and Redis key prefix, the built-in WeChat emulator, quiet logs, no demo
// data, login limits out of the crowd's way, and no messaging workers (they
// would send the notices the bench writes). Every simulated resident comes
// from 127.0.0.1, so the per-address sign-up limit meant for the real world
// is off. Callers append their own settings.
func ServerEnv(dir, dsn, redisAddr, prefix, jwtSecret string) []string {
	key, ticket := make([]byte, 32), make([]byte, 32)
	rand.Read(key)
	rand.Read(ticket)
	return append(os.Environ(),
		"GONGJIAN_ENV=development", "GONGJIAN_DATA_DIR="+dir,
		"GONGJIAN_MYSQL_DSN="+dsn, "GONGJIAN_REDIS_ADDR="+redisAddr, "GONGJIAN_REDIS_KEY_PREFIX="+prefix,
		"GONGJIAN_JWT_SECRET="+jwtSecret, "GONGJIAN_DATA_KEY="+base64.StdEncoding.EncodeToString(key),
		"GONGJIAN_TICKET_KEY="+base64.StdEncoding.EncodeToString(ticket),
		"GONGJIAN_WECHAT_APP_ID=", "GONGJIAN_LOG_LEVEL=warn", "GONGJIAN_SEED_DEMO=never",
		"GONGJIAN_LOGIN_PER_IP_PER_MINUTE=100000000", "GONGJIAN_LOGIN_PER_USER_PER_MINUTE=1000",
		"GONGJIAN_HTTP_WRITE_TIMEOUT=120s", "GONGJIAN_LIMIT_REGISTRATION_PER_IP=0",
		"GONGJIAN_NOTIFY_WORKERS=false",
	)
}
