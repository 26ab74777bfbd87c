// Package config is kakunin's one typed configuration: read from a TOML file
// and KAKUNIN_* environment variables, validated, with defaults that run the
// embedded setup (SQLite file and evidence under ./var).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Config is the whole configuration. Every key is documented once, here; the
// TOML key and the environment variable are derived from the field path:
// [storage] database  <->  KAKUNIN_STORAGE_DATABASE.
type Config struct {
	// DataDir holds the embedded default's files: the SQLite database,
	// evidence objects and the master key file.
	DataDir string `toml:"data_dir"`
	// Addr is the listen address of `kakunin serve`.
	Addr string `toml:"addr"`
	// ModelsDir holds the model weights `make models` installs.
	ModelsDir string `toml:"models_dir"`
	// BaseURL is the public URL of this server, used to build capture links.
	// Empty means http://<addr>.
	BaseURL string `toml:"base_url"`

	Storage      Storage      `toml:"storage"`
	Keys         Keys         `toml:"keys"`
	Jobs         Jobs         `toml:"jobs"`
	Webhooks     Webhooks     `toml:"webhooks"`
	Uploads      Uploads      `toml:"uploads"`
	API          API          `toml:"api"`
	Verification Verification `toml:"verification"`
	JPKI         JPKI         `toml:"jpki"`
	Chip         Chip         `toml:"chip"`
	Console      Console      `toml:"console"`
	Log          Log          `toml:"log"`
}

// Chip configures IC chip verification (ヘ).
type Chip struct {
	// TestPKI makes test-mode verifications also trust kakunin's synthetic
	// ICAO and card PKIs (what virtual chips are signed with). Live never does.
	TestPKI bool `toml:"test_pki"`
	// MasterList is an ICAO CSCA master list file (DER/CMS) for passports.
	MasterList string `toml:"master_list"`
	// ResidenceCardRoots is a PEM file of the residence card signer's anchors.
	ResidenceCardRoots string `toml:"residence_card_roots"`
}

// JPKI configures My Number card signature verification (ワ).
type JPKI struct {
	// TestPKI makes test-mode verifications also trust kakunin's synthetic
	// test PKI (what `kakunin card jpki-face --virtual` signs with), checked
	// against that PKI's own CRL. Live mode never trusts it.
	TestPKI bool `toml:"test_pki"`
	// Revocation is the live revocation source: "crl:URL", "ocsp:URL" or
	// "platform:URL" (a certified platform operator). Empty: revocation is
	// recorded as unchecked, which the AML law does not accept.
	Revocation string `toml:"revocation"`
	// RevocationToken is the bearer token for the platform operator.
	RevocationToken string `toml:"revocation_token" secret:"true"`
	// NonceTTL is how long a signing nonce stays usable.
	NonceTTL Duration `toml:"nonce_ttl"`
}

// Storage says where data lives.
type Storage struct {
	// Database is "sqlite:PATH" or a postgres:// URL. Empty: sqlite in DataDir.
	Database string `toml:"database" secret:"url"`
	// Evidence is a directory path, file:///path, or s3://KEY:SECRET@host/bucket?...
	// Empty: DataDir/evidence.
	Evidence string `toml:"evidence" secret:"url"`
}

// Keys configures envelope encryption's master keys.
type Keys struct {
	// MasterKeyFile holds master keys, one "id:base64" per line, newest last.
	// Empty: DataDir/master.keys, created on first start of the embedded setup.
	MasterKeyFile string `toml:"master_key_file"`
	// MasterKeys gives the keys inline instead ("id:base64,id:base64").
	MasterKeys string `toml:"master_keys" secret:"true"`
}

// Jobs configures the durable job queue.
type Jobs struct {
	// Workers is how many jobs one process runs at once. 0 in `serve` means
	// no in-process workers (run `kakunin worker` instead).
	Workers int `toml:"workers"`
	// RescueAfter is how long a job may stay running before it is presumed
	// lost with its worker and retried.
	RescueAfter Duration `toml:"rescue_after"`
	// PollInterval is how often workers look for new jobs.
	PollInterval Duration `toml:"poll_interval"`
}

// Webhooks configures outbound event delivery.
type Webhooks struct {
	// AllowPrivate permits endpoints on loopback and private addresses.
	AllowPrivate bool `toml:"allow_private"`
	// AllowHTTP permits plain-http endpoints.
	AllowHTTP bool `toml:"allow_http"`
	// Timeout bounds one delivery attempt.
	Timeout Duration `toml:"timeout"`
}

// Uploads caps evidence uploads.
type Uploads struct {
	MaxBytes  int64 `toml:"max_bytes"`
	MaxPixels int64 `toml:"max_pixels"`
}

// API configures the tenant API.
type API struct {
	// RateLimit is the requests per second allowed per API key or client
	// token (0: unlimited); RateBurst how many may come at once.
	RateLimit float64 `toml:"rate_limit"`
	RateBurst int     `toml:"rate_burst"`
}

// Verification holds verification defaults.
type Verification struct {
	// TTL is how long a verification accepts input before it expires.
	TTL Duration `toml:"ttl"`
	// ChallengeTTL is how long the person has to answer a liveness
	// challenge once it is issued.
	ChallengeTTL Duration `toml:"challenge_ttl"`
}

// Console configures the reviewers' console (/console/).
type Console struct {
	// InsecureCookie leaves the Secure attribute off the session cookie,
	// for plain-http development only.
	InsecureCookie bool `toml:"insecure_cookie"`
	// SignInPerMinute bounds sign-in attempts per client address (0: no
	// bound). Default 10.
	SignInPerMinute float64 `toml:"sign_in_per_minute"`
}

// Log configures logging.
type Log struct {
	// Format is "json" or "text".
	Format string `toml:"format"`
	// Level is "debug", "info", "warn" or "error".
	Level string `toml:"level"`
}

// Duration is a time.Duration written as "90s" or "24h".
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration back in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Std returns the standard library duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Default is the configuration that runs the embedded setup.
func Default() Config {
	return Config{
		DataDir:   "./var",
		Addr:      "127.0.0.1:8080",
		ModelsDir: "./models",
		Jobs: Jobs{
			Workers:      4,
			RescueAfter:  Duration(2 * time.Minute),
			PollInterval: Duration(200 * time.Millisecond),
		},
		Webhooks:     Webhooks{Timeout: Duration(10 * time.Second)},
		Uploads:      Uploads{MaxBytes: 15 << 20, MaxPixels: 40_000_000},
		API:          API{RateLimit: 100, RateBurst: 200},
		Console:      Console{SignInPerMinute: 10},
		Verification: Verification{TTL: Duration(24 * time.Hour), ChallengeTTL: Duration(time.Minute)},
		JPKI:         JPKI{TestPKI: true, NonceTTL: Duration(10 * time.Minute)},
		Chip:         Chip{TestPKI: true},
		Log:          Log{Format: "text", Level: "info"},
	}
}

// Load reads the defaults, then the file (if path is non-empty), then the
// environment. Unknown file keys and unknown KAKUNIN_* variables are errors
// (KAKUNIN_TEST_* belongs to the test suite and is ignored).
func Load(path string, environ []string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := toml.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			var sm *toml.StrictMissingError
			if errors.As(err, &sm) {
				return c, fmt.Errorf("config %s: unknown key(s):\n%s", path, sm.String())
			}
			return c, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := applyEnv(&c, environ); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir must not be empty"))
	}
	if c.Addr == "" {
		errs = append(errs, errors.New("addr must not be empty"))
	}
	if db := c.Storage.Database; db != "" && !strings.HasPrefix(db, "sqlite:") &&
		!strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") {
		errs = append(errs, fmt.Errorf("storage.database must start with sqlite: or postgres://"))
	}
	if c.Jobs.Workers < 0 || c.Jobs.Workers > 256 {
		errs = append(errs, fmt.Errorf("jobs.workers must be 0..256, got %d", c.Jobs.Workers))
	}
	if c.Jobs.RescueAfter.Std() < time.Second {
		errs = append(errs, errors.New("jobs.rescue_after must be at least 1s"))
	}
	if c.Jobs.PollInterval.Std() < 10*time.Millisecond {
		errs = append(errs, errors.New("jobs.poll_interval must be at least 10ms"))
	}
	if c.Uploads.MaxBytes < 1024 || c.Uploads.MaxPixels < 10_000 {
		errs = append(errs, errors.New("uploads.max_bytes must be >= 1024 and uploads.max_pixels >= 10000"))
	}
	if c.API.RateLimit < 0 || c.API.RateBurst < 0 {
		errs = append(errs, errors.New("api.rate_limit and api.rate_burst must not be negative"))
	}
	if c.Console.SignInPerMinute < 0 {
		errs = append(errs, errors.New("console.sign_in_per_minute must not be negative"))
	}
	if c.Verification.TTL.Std() < time.Minute {
		errs = append(errs, errors.New("verification.ttl must be at least 1m"))
	}
	if d := c.Verification.ChallengeTTL.Std(); d < 30*time.Second || d > time.Hour {
		errs = append(errs, errors.New("verification.challenge_ttl must be between 30s and 1h"))
	}
	if r := c.JPKI.Revocation; r != "" && !strings.HasPrefix(r, "crl:") && !strings.HasPrefix(r, "ocsp:") && !strings.HasPrefix(r, "platform:") {
		errs = append(errs, fmt.Errorf("jpki.revocation must be crl:URL, ocsp:URL or platform:URL"))
	}
	if c.JPKI.NonceTTL.Std() < 10*time.Second {
		errs = append(errs, errors.New("jpki.nonce_ttl must be at least 10s"))
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("log.format must be json or text, got %q", c.Log.Format))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level must be debug, info, warn or error, got %q", c.Log.Level))
	}
	return errors.Join(errs...)
}

// DatabaseURL is the effective database: the configured one or the SQLite
// file in DataDir.
func (c *Config) DatabaseURL() string {
	if c.Storage.Database != "" {
		return c.Storage.Database
	}
	return "sqlite:" + filepath.Join(c.DataDir, "kakunin.db")
}

// EvidenceURL is the effective evidence store.
func (c *Config) EvidenceURL() string {
	if c.Storage.Evidence != "" {
		return c.Storage.Evidence
	}
	return filepath.Join(c.DataDir, "evidence")
}

// MasterKeyPath is the effective master key file.
func (c *Config) MasterKeyPath() string {
	if c.Keys.MasterKeyFile != "" {
		return c.Keys.MasterKeyFile
	}
	return filepath.Join(c.DataDir, "master.keys")
}

// PublicURL is the base URL for links handed to applicants.
func (c *Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://" + c.Addr
}

// Redacted returns the config as TOML with secrets replaced.
func (c Config) Redacted() string {
	r := c
	if r.Keys.MasterKeys != "" {
		r.Keys.MasterKeys = "REDACTED"
	}
	if r.JPKI.RevocationToken != "" {
		r.JPKI.RevocationToken = "REDACTED"
	}
	r.Storage.Database = redactURL(r.Storage.Database)
	r.Storage.Evidence = redactURL(r.Storage.Evidence)
	b, err := toml.Marshal(r)
	if err != nil {
		return "# " + err.Error()
	}
	return string(b)
}

// redactURL hides the password or secret in a URL's userinfo.
func redactURL(s string) string {
	at := strings.LastIndex(s, "@")
	scheme := strings.Index(s, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return s
	}
	user := s[scheme+3 : at]
	if i := strings.Index(user, ":"); i >= 0 {
		user = user[:i] + ":REDACTED"
	}
	return s[:scheme+3] + user + s[at:]
}

// envKeys maps every KAKUNIN_* variable to the field it sets.
func envKeys(c *Config) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			key := strings.ToUpper(f.Tag.Get("toml"))
			if f.Type.Kind() == reflect.Struct {
				walk(v.Field(i), prefix+key+"_")
				continue
			}
			out[prefix+key] = v.Field(i)
		}
	}
	walk(reflect.ValueOf(c).Elem(), "KAKUNIN_")
	return out
}

func applyEnv(c *Config, environ []string) error {
	keys := envKeys(c)
	var unknown []string
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, "KAKUNIN_") || strings.HasPrefix(name, "KAKUNIN_TEST_") {
			continue
		}
		f, ok := keys[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		if err := setField(f, val); err != nil {
			return fmt.Errorf("config: %s: %w", name, err)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("config: unknown environment variable(s): %s", strings.Join(unknown, ", "))
	}
	return nil
}

func setField(f reflect.Value, val string) error {
	if u, ok := f.Addr().Interface().(interface{ UnmarshalText([]byte) error }); ok {
		return u.UnmarshalText([]byte(val))
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(val)
	case reflect.Float64:
		x, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return err
		}
		f.SetFloat(x)
	case reflect.Bool:
		b, err := strconv.ParseBool(val)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return err
		}
		f.SetInt(n)
	default:
		return fmt.Errorf("unsupported kind %s", f.Kind())
	}
	return nil
}
