//go:build !js

package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// hostPolicy decides which Host headers a Server answers. The Host is what
// stops DNS rebinding: a page of attacker.example whose name the attacker
// points at this server's address reaches it as a same-origin page, with
// Host and Origin both attacker.example, so only a Host the server knows to
// be its own can be trusted, and with it the same-origin check.
type hostPolicy struct {
	any   bool
	rules []hostRule
}

// hostRule is one entry of Options.AllowedHosts.
type hostRule struct {
	name string // canonical host name or address; for a wildcard, the part after "*."
	// wildcard matches every name below name, not name itself.
	wildcard bool
	port     string // "" matches every port
}

// newHostPolicy parses Options.AllowedHosts. An entry that is no host or
// host:port is left out and logged: the policy then refuses more, never
// less.
func newHostPolicy(allowed []string, log *slog.Logger) hostPolicy {
	var p hostPolicy
	for _, entry := range allowed {
		if entry == "*" {
			p.any = true
			continue
		}
		r, err := parseHostRule(entry)
		if err != nil {
			log.Error("ignoring an entry of Options.AllowedHosts", "entry", entry, "err", err)
			continue
		}
		p.rules = append(p.rules, r)
	}
	return p
}

func parseHostRule(entry string) (hostRule, error) {
	if strings.Contains(entry, "/") {
		return hostRule{}, errors.New("write host or host:port, without a scheme or path")
	}
	if ip, err := netip.ParseAddr(entry); err == nil {
		// An IPv6 address may be written without brackets here.
		return hostRule{name: canonicalHost(ip.String())}, nil
	}
	host, port, err := splitHostPort(entry)
	if err != nil {
		return hostRule{}, err
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return hostRule{}, fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
	}
	r := hostRule{port: port}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		r.wildcard, host = true, rest
	}
	r.name = canonicalHost(host)
	if _, err := netip.ParseAddr(r.name); err == nil {
		if r.wildcard {
			return hostRule{}, errors.New("a wildcard must stand for names, not addresses")
		}
		return r, nil
	}
	if !validHostName(r.name) {
		return hostRule{}, fmt.Errorf("%q is neither a host name nor an IP address (write host or host:port, without a scheme or path)", host)
	}
	return r, nil
}

// allows reports whether the server answers requests for r.Host: localhost
// and every loopback address, the address r arrived on, and the hosts of
// Options.AllowedHosts, each with any port unless the entry names one.
func (p hostPolicy) allows(r *http.Request) bool {
	if p.any {
		return true
	}
	host, port, err := splitHostPort(r.Host)
	if err != nil {
		return false
	}
	host = canonicalHost(host)
	if ip, err := netip.ParseAddr(host); err == nil {
		// A page reached by address has that address as its origin:
		// rebinding needs a name. Addresses are still limited to those of
		// this server, so that a request for any other stands out.
		if ip.IsLoopback() || ip == localAddr(r) {
			return true
		}
	} else if !validHostName(host) {
		return false
	}
	// Browsers resolve localhost and the names below it to a loopback
	// address themselves (RFC 6761), so no attacker can rebind them.
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, rule := range p.rules {
		if rule.matches(host, port) {
			return true
		}
	}
	return false
}

func (rule hostRule) matches(host, port string) bool {
	if !rule.matchesPort(port) {
		return false
	}
	if rule.wildcard {
		return strings.HasSuffix(host, "."+rule.name)
	}
	return host == rule.name
}

func (rule hostRule) matchesPort(port string) bool {
	switch {
	case rule.port == "" || rule.port == port:
		return true
	case port == "":
		// A Host without a port asks for the default port of the URL's
		// scheme, 80 or 443; which one is not known behind a proxy that
		// ends TLS, and the name, not the port, is what tells a
		// rebinding page apart.
		return rule.port == "80" || rule.port == "443"
	}
	return false
}

// checkHost answers a request for a host the server does not serve with
// 403 and logs it, and reports whether the request may go on.
func (s *Server) checkHost(w http.ResponseWriter, r *http.Request) bool {
	if s.hosts.allows(r) {
		return true
	}
	msg := fmt.Sprintf("this server does not serve the host %q", r.Host)
	if r.Host == "" {
		msg = "the request names no host"
	}
	s.log.Warn("refused request for a host this server does not serve",
		"remote_addr", r.RemoteAddr, "host", r.Host, "origin", r.Header.Get("Origin"), "path", r.URL.Path)
	http.Error(w, msg, http.StatusForbidden)
	return false
}

// localAddr returns the address of this server the request arrived on, or
// the zero Addr when net/http did not say.
func localAddr(r *http.Request) netip.Addr {
	a, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if a == nil {
		return netip.Addr{}
	}
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.AddrPort().Addr().Unmap().WithZone("")
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap().WithZone("")
}

// splitHostPort splits host[:port] or [ipv6][:port], as a URL's authority
// writes them; the port is "" when there is none.
func splitHostPort(s string) (host, port string, err error) {
	if s == "" {
		return "", "", errors.New("no host")
	}
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", fmt.Errorf("%q has no closing bracket", s)
		}
		host, rest := s[1:end], s[end+1:]
		if ip, err := netip.ParseAddr(host); err != nil || !ip.Is6() {
			return "", "", fmt.Errorf("%q holds no IPv6 address in its brackets", s)
		}
		if rest != "" {
			var ok bool
			if port, ok = strings.CutPrefix(rest, ":"); !ok {
				return "", "", fmt.Errorf("%q has more after its closing bracket than a port", s)
			}
		}
		return host, port, checkPort(s, port)
	}
	host, port, _ = strings.Cut(s, ":")
	if host == "" {
		return "", "", fmt.Errorf("%q has no host", s)
	}
	return host, port, checkPort(s, port)
}

func checkPort(s, port string) error {
	if strings.Trim(port, "0123456789") != "" {
		return fmt.Errorf("%q has a port that is not a number", s)
	}
	return nil
}

// canonicalHost writes a host as it compares: lower case, without the dot
// that makes a name absolute, an address in its shortest form.
func canonicalHost(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().WithZone("").String()
	}
	return host
}

// validHostName reports whether name is a DNS name: dot-separated labels of
// letters, digits, hyphens and underscores.
func validHostName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		if strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return false
		}
	}
	return true
}
