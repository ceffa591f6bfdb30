//go:build !js

package engine

import (
	"net/url"
	"strings"
)

// parseCheck says what keeps u, a URL with a scheme and the given host and
// port, from parsing, or "" if nothing does. It parses u as the native
// transport does before it dials, so that a URL it could never dial is
// refused by New rather than retried; the host and port are checked first
// as a URL parser checks them, for a clearer reason.
func parseCheck(u, hostport string) string {
	if why := checkHostPort(hostport); why != "" {
		return why
	}
	if _, err := url.Parse(u); err != nil {
		return err.Error()
	}
	return ""
}

// checkHostPort says what is wrong with the host and port of a URL, or ""
// if nothing is: the host must not be empty nor hold a character a URL
// parser refuses in a host, an IPv6 address must be in brackets, and the
// port must be a number up to 65535, or empty for the scheme's default.
func checkHostPort(hostport string) string {
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "its IPv6 address lacks the closing ']'"
		}
		host, port = hostport[:end+1], hostport[end+1:]
		if end == 1 || strings.Trim(host[1:end], "0123456789abcdefABCDEF:.") != "" {
			return "its host is not an IPv6 address"
		}
		if port != "" && port[0] != ':' {
			return "something other than a port follows its IPv6 address"
		}
		if port != "" {
			port = port[1:]
		}
	} else if i := strings.IndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
	}
	if host == "" {
		return "it has no host"
	}
	if host[0] != '[' {
		for i := 0; i < len(host); i++ {
			if c := host[i]; c <= ' ' || c == 0x7f || strings.IndexByte(`%/<>@[\]^|`, c) >= 0 {
				return "its host holds a character no host may hold"
			}
		}
	}
	n := 0
	for i := 0; i < len(port); i++ {
		c := port[i]
		if c < '0' || c > '9' {
			return "its port is not a number"
		}
		if n = n*10 + int(c-'0'); n > 65535 {
			return "its port is over 65535"
		}
	}
	return ""
}
