package apiclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"passerelle/wire"
)

// Client calls the extranet's API for one school. It is safe for concurrent
// use. It decodes answers leniently (unknown fields are ignored), so that a
// newer extranet keeps working with an older school.
type Client struct {
	base     *url.URL
	baseErr  error
	token    string
	hc       *http.Client
	attempts int
	backoff  time.Duration
	ua       string
	log      *slog.Logger
}

// ClientOption tunes NewClient.
type ClientOption func(*Client)

// WithHTTPClient replaces the HTTP client (and so its timeouts and
// transport).
func WithHTTPClient(hc *http.Client) ClientOption { return func(c *Client) { c.hc = hc } }

// WithTimeout bounds each attempt, from the connection to the end of the
// answer (default 2 minutes).
func WithTimeout(d time.Duration) ClientOption { return func(c *Client) { c.hc.Timeout = d } }

// WithRetries sets how many attempts a call makes in all (default 3; 1
// means no retry) and the wait before the first retry (default 1 s),
// doubled at each further one.
func WithRetries(attempts int, backoff time.Duration) ClientOption {
	return func(c *Client) {
		c.attempts = max(attempts, 1)
		c.backoff = max(backoff, 0)
	}
}

// WithLogger logs the retries (never the token nor the bodies) to l; nil,
// like no option, means slog.Default().
func WithLogger(l *slog.Logger) ClientOption {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) ClientOption { return func(c *Client) { c.ua = ua } }

// maxAnswerBytes bounds what the client reads of an answer.
const maxAnswerBytes = 64 << 20

// maxRetryAfter bounds how long a Retry-After header can make the client wait.
const maxRetryAfter = 30 * time.Second

// NewClient returns a client of the extranet at baseURL (such as
// "https://extranet.example/" or "http://127.0.0.1:8081") that
// authenticates with token. A baseURL that is not an http(s) URL makes every
// call fail with a French message.
func NewClient(baseURL, token string, opts ...ClientOption) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ResponseHeaderTimeout = 2 * time.Minute
	c := &Client{
		token:    token,
		hc:       &http.Client{Transport: tr, Timeout: 2 * time.Minute},
		attempts: 3,
		backoff:  time.Second,
		ua:       "passerelle",
		log:      slog.Default(),
	}
	u, err := url.Parse(strings.TrimSpace(baseURL))
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		c.baseErr = fmt.Errorf("adresse de l'extranet %q non valide : écrivez par exemple https://extranet.example/", baseURL)
	default:
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawQuery, u.Fragment = "", ""
		c.base = u
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// PutStaff sends a school's snapshot. dryRun asks for a preview that
// applies nothing. idempotencyKey identifies this transfer: a call retried
// with the same key and the same snapshot is applied once, and answers the
// first result. When it is empty, PutStaff makes one, so that its own
// retries are safe; callers that may call again after an error (a lost
// answer) should make the key themselves and keep it for that call.
//
// A 409 of the guard against mass deactivation is an *Error whose Held is
// set.
func (c *Client) PutStaff(ctx context.Context, fase int, snap wire.Snapshot, dryRun bool, idempotencyKey string) (wire.TransferResult, error) {
	var res wire.TransferResult
	body, err := json.Marshal(snap)
	if err != nil {
		return res, fmt.Errorf("encodage de l'instantané : %w", err)
	}
	q := url.Values{}
	if dryRun {
		q.Set("dryRun", "true")
	}
	if idempotencyKey == "" && !dryRun {
		idempotencyKey = NewIdempotencyKey()
	}
	err = c.call(ctx, http.MethodPut, staffPath(fase), q, body, idempotencyKey, &res)
	return res, err
}

// Grants returns a school's grants for schoolYear ("2026-2027"), or for the
// current school year when it is empty.
func (c *Client) Grants(ctx context.Context, fase int, schoolYear string) (wire.SchoolGrants, error) {
	var g wire.SchoolGrants
	q := url.Values{}
	if schoolYear != "" {
		q.Set("schoolYear", schoolYear)
	}
	err := c.call(ctx, http.MethodGet, staffPath(fase), q, nil, "", &g)
	return g, err
}

// NewIdempotencyKey returns a random key for the Idempotency-Key header.
func NewIdempotencyKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b[:])
}

func staffPath(fase int) string { return "/api/v1/schools/" + strconv.Itoa(fase) + "/staff" }

// call runs a request, with retries, and decodes a 2xx answer into out.
//
// Retried: transport failures (no answer: refused, broken connection,
// timeout) and 500, 502, 503, 504. A GET changes nothing, and a PUT is
// retried with the same Idempotency-Key, so that one the extranet did apply
// before its answer got lost is answered again instead of applied twice.
// 4xx answers are final.
func (c *Client) call(ctx context.Context, method, path string, q url.Values, body []byte, key string, out any) error {
	if c.baseErr != nil {
		return c.baseErr
	}
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	reached := false // whether an attempt may have reached the extranet
	for attempt := 1; ; attempt++ {
		wait, err := c.once(ctx, method, u.String(), body, key, out)
		if err == nil {
			return nil
		}
		var te *transportError
		if errors.As(err, &te) {
			// An earlier attempt that may have been applied makes the
			// whole call "maybe applied", whatever this one met.
			reached = reached || te.reached
			te.reached = reached
		} else {
			reached = true
		}
		if wait < 0 || attempt >= c.attempts || ctx.Err() != nil {
			return err
		}
		if wait == 0 {
			wait = c.backoff << (attempt - 1)
			wait += mrand.N(wait/2 + 1) // spread the retries of many schools
		}
		c.log.Warn("extranet call failed, retrying", "method", method, "path", path,
			"attempt", attempt, "wait", wait.String(), "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// once makes one attempt. wait tells call what to do on error: -1 not to
// retry, 0 to retry after the back-off, > 0 to retry after that long (the
// server's Retry-After).
func (c *Client) once(ctx context.Context, method, u string, body []byte, key string, out any) (wait time.Duration, err error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return -1, fmt.Errorf("requête vers l'extranet impossible : %w", err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.ua)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		terr := newTransportError(ctx, err)
		if errors.Is(terr, context.Canceled) || ctx.Err() != nil {
			return -1, terr
		}
		return 0, terr
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return 0, newTransportError(ctx, err)
	}
	if resp.StatusCode/100 == 2 {
		if len(data) > maxAnswerBytes {
			return -1, fmt.Errorf("%w : réponse de plus de %d Mio", ErrMalformedAnswer, maxAnswerBytes>>20)
		}
		if !isJSON(resp.Header.Get("Content-Type")) {
			return -1, fmt.Errorf("%w : réponse %q au lieu de JSON (l'adresse de l'extranet est-elle la bonne ?)", ErrMalformedAnswer, resp.Header.Get("Content-Type"))
		}
		if err := json.Unmarshal(data, out); err != nil || bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
			if err == nil {
				err = errors.New("null")
			}
			return -1, fmt.Errorf("%w : %v", ErrMalformedAnswer, err)
		}
		return 0, nil
	}
	apiErr := answerError(resp, data)
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return 0, apiErr
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return retryAfter(resp.Header.Get("Retry-After")), apiErr
	}
	return -1, apiErr
}

// retryAfter reads a Retry-After header given in seconds (0 when absent or
// in another form), bounded by maxRetryAfter.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, maxRetryAfter)
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// answerError builds the *Error of a non-2xx answer. An answer that is not
// a problem document (a proxy's error page) gets a problem made from its
// status, so that callers always have a French title and detail.
func answerError(resp *http.Response, data []byte) *Error {
	e := &Error{Status: resp.StatusCode}
	if isJSON(resp.Header.Get("Content-Type")) && json.Unmarshal(data, &e.Problem) == nil && e.Problem.Title != "" {
		e.Problem.Status = resp.StatusCode
	} else {
		e.Problem = wire.Problem{
			Type:   "about:blank",
			Title:  fmt.Sprintf("Réponse HTTP %d inattendue", resp.StatusCode),
			Status: resp.StatusCode,
			Detail: genericDetail(resp.StatusCode),
		}
	}
	if resp.StatusCode == http.StatusConflict && e.Problem.Type == wire.TypeDeactivationThreshold {
		e.Held = &HeldInfo{Deactivations: e.Problem.Deactivations, Changes: e.Problem.Changes}
	}
	return e
}

func genericDetail(status int) string {
	switch {
	case status == http.StatusNotFound:
		return "L'adresse appelée n'existe pas : vérifiez l'adresse de l'extranet dans les paramètres de l'école."
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "L'extranet a refusé l'accès : vérifiez le jeton de l'école."
	case status >= 500:
		return "L'extranet ou un serveur intermédiaire est en difficulté. Réessayez dans un moment ; si le problème persiste, prévenez l'opérateur de l'extranet."
	}
	return "L'extranet a refusé la demande sans en donner la raison."
}
