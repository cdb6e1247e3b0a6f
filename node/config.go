package node

import (
	"fmt"
	"os"
	"time"

	"github.com/tally-project/tally/internal/durable"
	"github.com/tally-project/tally/internal/yamlpos"
)

// FileConfig is a node's optional configuration file (YAML or JSON). Every
// field may also be given by a flag or an environment variable of tally
// serve, which take precedence.
//
//	regime: regime.yaml
//	party: US
//	data: /var/lib/tally
//	addr: 127.0.0.1:8080
//	keys: /etc/tally/keys
//	treaty: new-start            # a bundled treaty id or a file
//	ack_deadline: 1h
//	log_level: info              # debug, info, warn, error
//	log_format: text             # text or json
//	tokens:
//	  - {role: operator, sha256: 9f86d0...}
//	  - {role: inspector, token: a-long-random-string}
type FileConfig struct {
	Regime             string  `yaml:"regime"`
	Party              string  `yaml:"party"`
	Data               string  `yaml:"data"`
	Addr               string  `yaml:"addr"`
	Keys               string  `yaml:"keys"`
	Treaty             string  `yaml:"treaty"`
	AckDeadline        string  `yaml:"ack_deadline"`
	ReplicateInterval  string  `yaml:"replicate_interval"`
	CheckpointInterval string  `yaml:"checkpoint_interval"`
	LogLevel           string  `yaml:"log_level"`
	LogFormat          string  `yaml:"log_format"`
	Tokens             []Token `yaml:"tokens"`
}

// LoadConfigFile reads a configuration file strictly: unknown fields and
// bad values are errors with file:line and field.
func LoadConfigFile(path string) (*FileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fc FileConfig
	doc, err := yamlpos.Load(path, data, &fc)
	if err != nil {
		return nil, err
	}
	var errs yamlpos.Errors
	for _, d := range []struct{ name, v string }{{"ack_deadline", fc.AckDeadline}, {"replicate_interval", fc.ReplicateInterval}, {"checkpoint_interval", fc.CheckpointInterval}} {
		if d.v == "" {
			continue
		}
		if v, err := time.ParseDuration(d.v); err != nil || v <= 0 {
			errs = append(errs, doc.Errorf(d.name, "%q is not a duration such as 1h or 250ms", d.v))
		}
	}
	switch fc.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		errs = append(errs, doc.Errorf("log_level", "%q: debug, info, warn or error", fc.LogLevel))
	}
	switch fc.LogFormat {
	case "", "text", "json":
	default:
		errs = append(errs, doc.Errorf("log_format", "%q: text or json", fc.LogFormat))
	}
	for i, t := range fc.Tokens {
		if err := CheckToken(t); err != nil {
			errs = append(errs, doc.Errorf(yamlpos.Index("tokens", i), "%v", err))
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return &fc, nil
}

// LoadTokens reads a tokens file: a YAML list of tokens (as in FileConfig).
func LoadTokens(path string) ([]Token, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Tokens []Token `yaml:"tokens"`
	}
	doc, err := yamlpos.Load(path, data, &f)
	if err != nil {
		return nil, err
	}
	var errs yamlpos.Errors
	for i, t := range f.Tokens {
		if err := CheckToken(t); err != nil {
			errs = append(errs, doc.Errorf(yamlpos.Index("tokens", i), "%v", err))
		}
	}
	return f.Tokens, errs.Err()
}

// WriteTokens writes a tokens file readable by its owner only.
func WriteTokens(path string, ts []Token) error {
	s := "# API tokens of this node, one per role. Keep this file secret.\ntokens:\n"
	for _, t := range ts {
		s += fmt.Sprintf("  - {name: %s, role: %s, token: %s}\n", t.Name, t.Role, t.Token)
	}
	return durable.WriteFile(path, []byte(s), 0o600)
}

// clock is Config.Now, or time.Now.
func (c *Config) clock() func() time.Time {
	if c.Now != nil {
		return c.Now
	}
	return time.Now
}
