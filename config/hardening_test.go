package config

import (
	"strings"
	"testing"
	"time"
)

// The hardening keys: rotation keys, trusted proxies, limits, slow-client
// and reconciler timeouts load from the environment and bad values name
// the key to fix.
func TestHardeningKeys(t *testing.T) {
	key := func(b byte) string { return strings.Repeat(string(rune('A'+b)), 43) + "=" }
	loadEnvCases(t, []envCase{
		{map[string]string{}, "", func(c Config) bool {
			return c.HTTP.ReadHeaderTimeout == 5*time.Second && len(c.HTTP.TrustedProxies) == 0 && c.Limits.RegistrationPerUser == 30 &&
				c.Registration.StaleAfter == 30*time.Second
		}},
		{map[string]string{"GONGJIAN_JWT_SECRET": strings.Repeat("n", 32), "GONGJIAN_JWT_SECRET_OLD": strings.Repeat("o", 32) + "," + strings.Repeat("p", 32),
			"GONGJIAN_DATA_KEY": key(1), "GONGJIAN_DATA_KEY_OLD": key(2)}, "",
			func(c Config) bool { return len(c.Security.JWTSecretOld) == 2 && c.Security.DataKeyOld[0] == key(2) }},
		{map[string]string{"GONGJIAN_JWT_SECRET": strings.Repeat("n", 32), "GONGJIAN_JWT_SECRET_OLD": "short"}, "GONGJIAN_JWT_SECRET_OLD", nil},
		{map[string]string{"GONGJIAN_DATA_KEY": key(1), "GONGJIAN_DATA_KEY_OLD": "c2hvcnQ="}, "GONGJIAN_DATA_KEY_OLD", nil},
		{map[string]string{"GONGJIAN_DATA_KEY_OLD": key(2)}, "data_key", nil},
		{map[string]string{"GONGJIAN_HTTP_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.10"}, "",
			func(c Config) bool {
				return len(c.HTTP.TrustedProxies) == 2 && c.HTTP.TrustedProxies[1] == "192.168.1.10"
			}},
		{map[string]string{"GONGJIAN_HTTP_TRUSTED_PROXIES": "lb.internal"}, "GONGJIAN_HTTP_TRUSTED_PROXIES", nil},
		{map[string]string{"GONGJIAN_LIMIT_REGISTRATION_PER_IP": "0", "GONGJIAN_LIMIT_CHECKIN_PER_USER": "100"}, "",
			func(c Config) bool { return c.Limits.RegistrationPerIP == 0 && c.Limits.CheckinPerUser == 100 }},
		{map[string]string{"GONGJIAN_LIMIT_CHECKIN_PER_IP": "-1"}, "GONGJIAN_LIMIT_", nil},
		{map[string]string{"GONGJIAN_HTTP_READ_HEADER_TIMEOUT": "300ms", "GONGJIAN_RECONCILE_STALE_AFTER": "2s"}, "",
			func(c Config) bool {
				return c.HTTP.ReadHeaderTimeout == 300*time.Millisecond && c.Registration.StaleAfter == 2*time.Second
			}},
		{map[string]string{"GONGJIAN_RECONCILE_STALE_AFTER": "10ms"}, "GONGJIAN_RECONCILE_STALE_AFTER", nil},
		{map[string]string{"GONGJIAN_HTTP_DEBUG_ADDR": "127.0.0.1:6060"}, "", func(c Config) bool { return c.HTTP.DebugAddr == "127.0.0.1:6060" }},
		{map[string]string{"GONGJIAN_HTTP_DEBUG_ADDR": "0.0.0.0:6060"}, "GONGJIAN_HTTP_DEBUG_ADDR", nil},
		{map[string]string{"GONGJIAN_HTTP_DEBUG_ADDR": "127.0.0.1"}, "GONGJIAN_HTTP_DEBUG_ADDR", nil},
	})
}
