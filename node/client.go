package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tally-project/tally/exchange"
)

// Client speaks to a node's API.
type Client struct {
	// Base is the node's URL ("http://127.0.0.1:8080/").
	Base  string
	Token string
	HTTP  *http.Client
}

// ProblemError is an error answer of the API.
type ProblemError struct {
	ProblemDetails
}

func (e *ProblemError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.Status, e.Title)
	if e.Detail != "" && len(e.Errors) == 0 {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	for _, p := range e.Errors {
		fmt.Fprintf(&b, "\n  envelope %d: %s", p.Entry, p.Error())
	}
	return b.String()
}

// Code is the problem's code (the last part of its type).
func (e *ProblemError) Code() string {
	if len(e.Errors) > 0 {
		return e.Errors[0].Code
	}
	return strings.TrimPrefix(e.Type, "urn:tally:problem:")
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 2 * time.Minute}
}

func (c *Client) url(path string) string {
	return strings.TrimSuffix(c.Base, "/") + path
}

// Do sends a request to path (under the node's URL) with an optional JSON
// body and decodes the JSON answer into out (if not nil).
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		pe := &ProblemError{}
		if json.Unmarshal(data, &pe.ProblemDetails) != nil || pe.Status == 0 {
			pe.Status, pe.Title, pe.Detail = resp.StatusCode, resp.Status, strings.TrimSpace(string(data))
		}
		return pe
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// Get is Do with GET.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.Do(ctx, http.MethodGet, path, nil, out)
}

// Submit posts a submission.
func (c *Client) Submit(ctx context.Context, req *SubmitRequest) (*SubmitResponse, error) {
	var out SubmitResponse
	if err := c.Do(ctx, http.MethodPost, APIPrefix+"/notifications", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Next asks the node for its party's next sequence number.
func (c *Client) Next(ctx context.Context) (uint64, error) {
	var v NextView
	if err := c.Get(ctx, APIPrefix+"/next", &v); err != nil {
		return 0, err
	}
	return v.Next, nil
}

// Signed is a batch signed by a client, ready to submit (and to submit
// again, unchanged, after a lost answer).
type Signed struct {
	Envelopes [][]byte
	Private   []PrivateLoadings
}

// Sign numbers drafts from the node's next sequence number and signs them
// with the author's key. Declarations among them are split into parts as
// needed; private loadings (by draft position) follow their declaration's
// first part.
func (c *Client) Sign(ctx context.Context, a *exchange.Author, drafts []exchange.Draft, private map[int][]exchange.Loading) (*Signed, error) {
	next, err := c.Next(ctx)
	if err != nil {
		return nil, err
	}
	a.Next = next
	s := &Signed{}
	for i, d := range drafts {
		pos := len(s.Envelopes)
		if d.Kind.IsDeclaration() {
			v, err := exchange.DecodeBody(d.Kind, d.Body)
			if err != nil {
				return nil, fmt.Errorf("draft %d: %w", i, err)
			}
			es, err := a.SignDeclaration(d.Kind, v.(*exchange.Declaration))
			if err != nil {
				return nil, fmt.Errorf("draft %d: %w", i, err)
			}
			s.Envelopes = append(s.Envelopes, es...)
		} else {
			e, err := a.Sign(d)
			if err != nil {
				return nil, fmt.Errorf("draft %d: %w", i, err)
			}
			s.Envelopes = append(s.Envelopes, e)
		}
		if ls, ok := private[i]; ok {
			s.Private = append(s.Private, PrivateLoadings{Entry: pos, Loadings: ls})
		}
	}
	return s, nil
}

// SubmitSigned submits a signed batch.
func (c *Client) SubmitSigned(ctx context.Context, s *Signed) (*SubmitResponse, error) {
	req := &SubmitRequest{Private: s.Private}
	for _, e := range s.Envelopes {
		req.Envelopes = append(req.Envelopes, string(e))
	}
	return c.Submit(ctx, req)
}

// Send signs drafts and submits them. If another notification of the
// party took a sequence number first (the node's own acknowledgements
// take numbers too), it signs again from the new next number; if the
// answer is lost, it submits the same envelopes again, which returns their
// receipts.
func (c *Client) Send(ctx context.Context, a *exchange.Author, drafts []exchange.Draft, private map[int][]exchange.Loading) (*SubmitResponse, error) {
	var s *Signed
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		if s == nil {
			if s, err = c.Sign(ctx, a, drafts, private); err != nil {
				return nil, err
			}
		}
		var resp *SubmitResponse
		resp, err = c.SubmitSigned(ctx, s)
		if err == nil {
			return resp, nil
		}
		var pe *ProblemError
		switch {
		case errors.As(err, &pe) && pe.Code() == exchange.CodeSeqUsed:
			s = nil // numbers taken: sign again
		case errors.As(err, &pe) && pe.Status == http.StatusServiceUnavailable:
			time.Sleep(200 * time.Millisecond)
		case errors.As(err, &pe):
			return nil, err
		default:
			var ue *url.Error
			if !errors.As(err, &ue) || ctx.Err() != nil {
				return nil, err
			}
			time.Sleep(200 * time.Millisecond) // the same envelopes again
		}
	}
	return nil, fmt.Errorf("gave up after repeated conflicts or failures: %w", err)
}
