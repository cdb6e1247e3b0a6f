package node

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Token is one bearer token of the API and the role it grants. The token
// may be written as is (Token) or, to keep it out of a configuration
// file, as its hex SHA-256 (SHA256). An operator token acts for the node's
// party.
type Token struct {
	Name   string `yaml:"name,omitempty" json:"name,omitempty"`
	Role   Role   `yaml:"role" json:"role"`
	Token  string `yaml:"token,omitempty" json:"token,omitempty"`
	SHA256 string `yaml:"sha256,omitempty" json:"sha256,omitempty"`
}

// NewToken makes a random token for role.
func NewToken(role Role) Token {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return Token{Role: role, Name: string(role), Token: "tly_" + base64.RawURLEncoding.EncodeToString(b)}
}

// CheckToken reports what is wrong with a token's configuration.
func CheckToken(t Token) error {
	switch t.Role {
	case RoleOperator, RoleInspector, RoleObserver:
	default:
		return fmt.Errorf("role %q: must be operator, inspector or observer", t.Role)
	}
	switch {
	case t.Token == "" && t.SHA256 == "":
		return fmt.Errorf("give token or sha256")
	case t.Token != "" && t.SHA256 != "":
		return fmt.Errorf("give token or sha256, not both")
	case t.Token != "" && len(t.Token) < 16:
		return fmt.Errorf("a token has at least 16 characters")
	case t.SHA256 != "":
		if b, err := hex.DecodeString(t.SHA256); err != nil || len(b) != 32 {
			return fmt.Errorf("sha256 must be 64 hex digits")
		}
	}
	return nil
}

type tokenSet struct {
	byHash map[[32]byte]Access
}

func newTokenSet(ts []Token, party string) *tokenSet {
	s := &tokenSet{byHash: map[[32]byte]Access{}}
	for _, t := range ts {
		var h [32]byte
		if t.SHA256 != "" {
			b, _ := hex.DecodeString(t.SHA256)
			copy(h[:], b)
		} else {
			h = sha256.Sum256([]byte(t.Token))
		}
		a := Access{Role: t.Role}
		if t.Role == RoleOperator {
			a.Party = party
		}
		s.byHash[h] = a
	}
	return s
}

// lookup finds the access an Authorization header grants: none is the
// public's (observer); an unknown token is refused.
func (s *tokenSet) lookup(header string) (Access, bool) {
	if header == "" {
		return Access{Role: RoleObserver}, true
	}
	tok, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return Access{}, false
	}
	a, ok := s.byHash[sha256.Sum256([]byte(strings.TrimSpace(tok)))]
	return a, ok
}
