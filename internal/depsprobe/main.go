package main
import (
 _ "modernc.org/sqlite"
 _ "github.com/jackc/pgx/v5"
 _ "github.com/jackc/pgx/v5/stdlib"
 _ "github.com/jackc/pgx/v5/pgxpool"
 _ "golang.org/x/text/collate"
 _ "golang.org/x/text/encoding/charmap"
 _ "golang.org/x/crypto/bcrypt"
 _ "golang.org/x/term"
 _ "github.com/chromedp/chromedp"
 _ "github.com/prometheus/client_golang/prometheus"
)
func main(){}
