#include "domain/risk.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace mc {

namespace {

// ---- small text helpers -------------------------------------------------------------------------

char lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower_ascii);
  return out;
}

bool contains_ci(const std::vector<std::string>& list, std::string_view name) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& entry) { return iequals_ascii(entry, name); });
}

bool contains(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

std::string join(const std::vector<std::string>& words, std::string_view sep = " ") {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty())
      out += sep;
    out += w;
  }
  return out;
}

/// `*` matches any run of characters; nothing else is special.
bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

risk_result make(risk_level level, std::string rule, std::string reason) {
  return risk_result{level, false, std::move(rule), std::move(reason)};
}

risk_result deny(std::string rule, std::string reason) {
  return risk_result{risk_level::red, true, std::move(rule), std::move(reason)};
}

int severity(const risk_result& r) noexcept {
  return r.denied ? 3 : static_cast<int>(r.risk);
}

/// Ties keep the current verdict, so the tool's own rule explains the result when arguments agree.
void keep_stricter(risk_result& verdict, risk_result other) {
  if (severity(other) > severity(verdict))
    verdict = std::move(other);
}

// ---- paths --------------------------------------------------------------------------------------

bool starts_with_segments(const std::vector<std::string>& path,
                          const std::vector<std::string>& prefix) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

/// The protected pattern that `p` falls under, if any (see risk_lists::write_denied).
const std::string* protected_match(const lexical_path& p, const risk_lists& lists) {
  for (const auto& pattern : lists.write_denied) {
    if (pattern.empty())
      continue;
    if (pattern.front() == '/' || pattern.front() == '~') {
      const lexical_path want = normalize_path(pattern);
      if (want.anchor == p.anchor && starts_with_segments(p.segments, want.segments))
        return &pattern;
      continue;
    }
    for (const auto& seg : p.segments)
      if (glob_match(pattern, seg))
        return &pattern;
  }
  return nullptr;
}

bool is_safe_absolute(const lexical_path& p, const risk_lists& lists) {
  return std::any_of(lists.safe_absolute_paths.begin(), lists.safe_absolute_paths.end(),
                     [&](const std::string& safe) { return normalize_path(safe) == p; });
}

// ---- shell parsing ------------------------------------------------------------------------------

/// One simple command: its words after quote removal, and what surrounds it.
struct segment {
  std::vector<std::string> words;
  std::vector<std::string> out_targets;
  std::vector<std::string> in_targets;
  /// A word depends on an expansion ($VAR, $(…), `…`), so its real value is unknown here.
  bool dynamic = false;
  /// Commands that `|` connects share a pipeline number, in order.
  int pipeline = 0;
  /// Segments of command substitutions inside this one, by index into the parse.
  std::vector<std::size_t> children;
};

bool is_reserved_word(std::string_view w) {
  static const std::vector<std::string> reserved = {"!",    "{",  "}",  "if",   "then",  "else",
                                                    "elif", "fi", "do", "done", "while", "until"};
  return contains(reserved, w);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// A scanner for the subset of POSIX shell syntax that decides which programs run: quoting,
/// escapes, separators, pipes, redirections and command/process substitution. Anything it
/// cannot follow (unbalanced quotes, here-documents) is reported so the command stays red.
class shell_parser {
 public:
  explicit shell_parser(std::string_view text) : s_(text) {}

  std::vector<segment> segments;
  std::string error;

  void run() {
    std::vector<std::size_t> top;
    if (!parse_list(0, top) && error.empty())
      error = "unbalanced parenthesis";
  }

 private:
  std::string_view s_;
  static constexpr int max_nesting = 32;
  std::size_t pos_ = 0;
  int next_pipeline_ = 0;
  int nesting_ = 0;

  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0';
  }

  void fail(std::string why) {
    if (error.empty())
      error = std::move(why);
  }

  /// Parses commands up to `close` (`)` or a backtick; 0 for the end of input) and records the
  /// indices of the segments it produced. False when the input ends before `close`.
  bool parse_list(char close, std::vector<std::size_t>& produced) {
    segment cur;
    cur.pipeline = next_pipeline_++;
    std::string word;
    bool in_word = false;
    enum class pending_kind { none, out, in, data } pending = pending_kind::none;
    int depth = 0;

    auto end_word = [&] {
      if (!in_word)
        return;
      switch (pending) {
      case pending_kind::out:
        cur.out_targets.push_back(word);
        break;
      case pending_kind::in:
        cur.in_targets.push_back(word);
        break;
      case pending_kind::data:
        break;
      case pending_kind::none:
        cur.words.push_back(word);
        break;
      }
      pending = pending_kind::none;
      word.clear();
      in_word = false;
    };
    auto end_segment = [&](bool piped) {
      end_word();
      const int pipeline = cur.pipeline;
      auto& w = cur.words;
      while (!w.empty() && is_reserved_word(w.front()))
        w.erase(w.begin());
      if (!w.empty() || !cur.out_targets.empty() || !cur.in_targets.empty() ||
          !cur.children.empty()) {
        produced.push_back(segments.size());
        segments.push_back(std::move(cur));
      }
      cur = segment{};
      cur.pipeline = piped ? pipeline : next_pipeline_++;
    };
    // A command substitution becomes a placeholder in the word and its own segments.
    auto substitute = [&](char inner_close) {
      std::vector<std::size_t> inner;
      // Bounded so a hostile command cannot exhaust the stack; the result is red anyway.
      if (nesting_ >= max_nesting) {
        fail("command substitutions are nested too deeply");
        pos_ = s_.size();
      } else {
        ++nesting_;
        if (!parse_list(inner_close, inner))
          fail("unterminated command substitution");
        --nesting_;
      }
      cur.children.insert(cur.children.end(), inner.begin(), inner.end());
      cur.dynamic = true;
      word += "$()";
      in_word = true;
    };

    while (pos_ < s_.size()) {
      const char c = peek();
      if (close == '`' && c == '`') {
        ++pos_;
        end_segment(false);
        return true;
      }
      if (c == ')') {
        ++pos_;
        if (depth > 0) {
          --depth;
          end_segment(false);
          continue;
        }
        end_segment(false);
        if (close == ')')
          return true;
        fail("unbalanced parenthesis");
        continue;
      }
      switch (c) {
      case ' ':
      case '\t':
      case '\r':
        end_word();
        ++pos_;
        break;
      case '\n':
      case ';':
        end_segment(false);
        ++pos_;
        break;
      case '(':
        end_segment(false);
        ++depth;
        ++pos_;
        break;
      case '&':
        if (peek(1) == '&') {
          end_segment(false);
          pos_ += 2;
        } else if (peek(1) == '>') {
          end_word();
          pos_ += peek(2) == '>' ? 3 : 2;
          pending = pending_kind::out;
        } else {
          end_segment(false);
          ++pos_;
        }
        break;
      case '|':
        if (peek(1) == '|') {
          end_segment(false);
          pos_ += 2;
        } else {
          end_segment(true);
          pos_ += peek(1) == '&' ? 2 : 1;
        }
        break;
      case '>':
      case '<':
        redirect(c, word, in_word, pending, end_word, substitute);
        break;
      case '\\':
        if (peek(1) != '\n' && pos_ + 1 < s_.size()) {
          word += peek(1);
          in_word = true;
        }
        pos_ += 2;
        break;
      case '\'': {
        const auto end = s_.find('\'', pos_ + 1);
        if (end == std::string_view::npos) {
          fail("unterminated single quote");
          pos_ = s_.size();
          break;
        }
        word.append(s_.substr(pos_ + 1, end - pos_ - 1));
        in_word = true;
        pos_ = end + 1;
        break;
      }
      case '"':
        double_quoted(word, cur, substitute);
        in_word = true;
        break;
      case '`':
        ++pos_;
        substitute('`');
        break;
      case '$':
        dollar(word, cur, substitute);
        in_word = true;
        break;
      case '#':
        if (!in_word) {
          while (pos_ < s_.size() && peek() != '\n')
            ++pos_;
          break;
        }
        [[fallthrough]];
      default:
        word += c;
        in_word = true;
        ++pos_;
        break;
      }
    }
    end_segment(false);
    if (depth > 0)
      fail("unbalanced parenthesis");
    if (close == '`')
      fail("unterminated backtick");
    return close == 0;
  }

  template <class Pending, class EndWord, class Substitute>
  void redirect(char c, std::string& word, bool& in_word, Pending& pending, EndWord& end_word,
                Substitute& substitute) {
    // `2>file`: the digits name a file descriptor, not an argument.
    if (in_word && all_digits(word)) {
      word.clear();
      in_word = false;
    } else {
      end_word();
    }
    if (peek(1) == '(') {
      pos_ += 2;
      substitute(')');
      end_word();
      return;
    }
    ++pos_;
    if (c == '<' && peek() == '<') {
      if (peek(1) == '<') {
        pos_ += 2;
        pending = Pending::data;
        return;
      }
      fail("here-documents are not analysed");
      ++pos_;
      pending = Pending::data;
      return;
    }
    if (c == '>' && (peek() == '>' || peek() == '|'))
      ++pos_;
    if (peek() == '&') {
      // `2>&1`, `<&0`: duplicating a descriptor names no file.
      ++pos_;
      while (pos_ < s_.size() && ((peek() >= '0' && peek() <= '9') || peek() == '-'))
        ++pos_;
      return;
    }
    pending = c == '>' ? Pending::out : Pending::in;
  }

  template <class Substitute>
  void dollar(std::string& word, segment& cur, Substitute& substitute) {
    if (peek(1) == '(' && peek(2) == '(') {
      // Arithmetic: its value is unknown here, which is all that matters.
      pos_ += 3;
      int depth = 2;
      while (pos_ < s_.size() && depth > 0) {
        if (peek() == '(')
          ++depth;
        else if (peek() == ')')
          --depth;
        ++pos_;
      }
      if (depth > 0)
        fail("unterminated arithmetic expansion");
      cur.dynamic = true;
      word += "$()";
      return;
    }
    if (peek(1) == '(') {
      pos_ += 2;
      substitute(')');
      return;
    }
    if (peek(1) == '{') {
      const auto end = s_.find('}', pos_ + 2);
      if (end == std::string_view::npos) {
        fail("unterminated parameter expansion");
        pos_ = s_.size();
      } else {
        pos_ = end + 1;
      }
      cur.dynamic = true;
      word += "${}";
      return;
    }
    const char n = peek(1);
    const bool name = (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || (n >= '0' && n <= '9') ||
                      n == '_' || n == '@' || n == '*' || n == '#' || n == '?' || n == '$' ||
                      n == '!' || n == '-';
    if (name)
      cur.dynamic = true;
    word += '$';
    ++pos_;
  }

  template <class Substitute>
  void double_quoted(std::string& word, segment& cur, Substitute& substitute) {
    ++pos_;
    while (pos_ < s_.size()) {
      const char c = peek();
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c == '\\') {
        const char n = peek(1);
        if (n == '$' || n == '`' || n == '"' || n == '\\') {
          word += n;
        } else if (n != '\n') {
          word += '\\';
          if (n != '\0')
            word += n;
        }
        pos_ += 2;
      } else if (c == '`') {
        ++pos_;
        substitute('`');
      } else if (c == '$') {
        dollar(word, cur, substitute);
      } else {
        word += c;
        ++pos_;
      }
    }
    fail("unterminated double quote");
  }
};

// ---- shell rules --------------------------------------------------------------------------------

std::string_view basename(std::string_view word) {
  const auto slash = word.rfind('/');
  return slash == std::string_view::npos ? word : word.substr(slash + 1);
}

/// `want` among the arguments, with bundled short flags and `--long=value`.
bool arg_matches(std::string_view arg, std::string_view want) {
  if (arg == want)
    return true;
  if (want.size() > 2 && want.substr(0, 2) == "--")
    return arg.size() > want.size() && arg.substr(0, want.size()) == want &&
           arg[want.size()] == '=';
  if (want.size() == 2 && want[0] == '-' && want[1] != '-')
    return arg.size() > 2 && arg[0] == '-' && arg[1] != '-' &&
           arg.find(want[1], 1) != std::string_view::npos;
  return false;
}

bool program_matches(std::string_view program, std::string_view pattern) {
  if (!pattern.empty() && pattern.back() == '*')
    return program.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
  return program == pattern;
}

bool is_assignment(std::string_view w) {
  const auto eq = w.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return false;
  return std::all_of(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(eq), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

/// `5`, `10s`, `1.5m`: the durations and counts that wrappers such as `timeout` take.
bool is_count(std::string_view w) {
  if (w.empty() || w[0] < '0' || w[0] > '9')
    return false;
  return std::all_of(w.begin(), w.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == 's' || c == 'm' || c == 'h' || c == 'd';
  });
}

/// Where a program is started within a segment: the first word, behind any wrapper, and after
/// `find -exec`-style options, since each of those runs what follows.
std::vector<std::size_t> command_starts(const segment& seg, const risk_lists& lists) {
  std::vector<std::size_t> starts;
  const auto& w = seg.words;
  std::size_t i = 0;
  while (i < w.size() && is_assignment(w[i]))
    ++i;
  while (i < w.size()) {
    starts.push_back(i);
    if (!contains(lists.command_wrappers, basename(w[i])))
      break;
    // `command -v sudo` only looks the name up.
    if (basename(w[i]) == "command" && i + 1 < w.size() && (w[i + 1] == "-v" || w[i + 1] == "-V"))
      break;
    ++i;
    while (i < w.size() && (w[i].starts_with("-") || is_count(w[i]) || is_assignment(w[i]))) {
      // `xargs -I {} rm …`, `timeout -s KILL 5 …`: these options take the next word.
      static const std::vector<std::string> with_value = {"-I", "-n", "-P", "-L", "-s",
                                                          "-d", "-E", "-u", "-k"};
      i += contains(with_value, w[i]) ? 2 : 1;
    }
  }
  for (std::size_t j = 0; j + 1 < w.size(); ++j)
    if (w[j] == "-exec" || w[j] == "-execdir" || w[j] == "-ok" || w[j] == "-okdir")
      starts.push_back(j + 1);
  return starts;
}

std::optional<risk_result> block_rule_hit(const segment& seg, const risk_lists& lists) {
  const auto& w = seg.words;
  for (const std::size_t s : command_starts(seg, lists)) {
    const std::string_view program = basename(w[s]);
    for (const auto& rule : lists.shell_block) {
      if (!program_matches(program, rule.program))
        continue;
      const bool all = std::all_of(rule.all_of.begin(), rule.all_of.end(), [&](const auto& group) {
        return std::any_of(
            w.begin() + static_cast<std::ptrdiff_t>(s) + 1, w.end(), [&](const std::string& arg) {
              return std::any_of(group.begin(), group.end(),
                                 [&](const std::string& want) { return arg_matches(arg, want); });
            });
      });
      if (all)
        return deny("shell.block:" + rule.name,
                    "`" + join(w) + "` is on the shell block list (" + rule.name + ")");
    }
  }
  return std::nullopt;
}

/// The part of a word that may name a file: the whole word, or the value of `--opt=value`.
std::string_view path_part(std::string_view w) {
  if (w.starts_with("-")) {
    const auto eq = w.find('=');
    return eq == std::string_view::npos ? std::string_view{} : w.substr(eq + 1);
  }
  return w;
}

std::optional<risk_result> path_escape_hit(std::string_view word, const risk_lists& lists) {
  const std::string_view candidate = path_part(word);
  if (candidate.empty() || candidate.find("://") != std::string_view::npos)
    return std::nullopt;
  const bool looks_like_path = candidate.front() == '/' || candidate.front() == '~' ||
                               candidate.find("..") != std::string_view::npos;
  if (!looks_like_path)
    return std::nullopt;
  const lexical_path p = normalize_path(candidate);
  if (p.anchor == path_anchor::root && !is_safe_absolute(p, lists))
    return deny("shell.block:absolute path",
                "`" + std::string(word) + "` is an absolute path outside the workspace");
  if (p.anchor == path_anchor::home)
    return deny("shell.block:home directory",
                "`" + std::string(word) + "` is in a home directory, outside the workspace");
  if (p.escapes)
    return deny("shell.block:path traversal",
                "`" + std::string(word) + "` climbs out of the workspace");
  return std::nullopt;
}

bool is_shell_interpreter(std::string_view program) {
  return program == "sh" || program == "bash" || program == "zsh" || program == "dash" ||
         program == "ksh" || program == "fish";
}

risk_result classify_shell_at(std::string_view command, const risk_lists& lists, int depth);

/// `bash -c '…'` and `eval …` run a string as a new command line: judge that line too.
std::optional<risk_result> inline_script_hit(const segment& seg, const risk_lists& lists,
                                             int depth) {
  const auto& w = seg.words;
  for (const std::size_t s : command_starts(seg, lists)) {
    const std::string_view program = basename(w[s]);
    std::optional<std::string> script;
    if (program == "eval" && s + 1 < w.size()) {
      script =
          join(std::vector<std::string>(w.begin() + static_cast<std::ptrdiff_t>(s) + 1, w.end()));
    } else if (is_shell_interpreter(program)) {
      for (std::size_t j = s + 1; j + 1 < w.size(); ++j)
        if (arg_matches(w[j], "-c")) {
          script = w[j + 1];
          break;
        }
    }
    if (!script)
      continue;
    if (depth >= 4)
      return deny("shell.block:nesting", "inline scripts are nested too deeply to check");
    risk_result inner = classify_shell_at(*script, lists, depth + 1);
    if (inner.denied)
      return inner;
  }
  return std::nullopt;
}

bool runs_one_of(const segment& seg, const std::vector<std::string>& programs,
                 const risk_lists& lists) {
  for (const std::size_t s : command_starts(seg, lists))
    if (contains(programs, basename(seg.words[s])))
      return true;
  return false;
}

bool subtree_fetches(const std::vector<segment>& all, const segment& seg, const risk_lists& lists) {
  for (const std::size_t child : seg.children)
    if (runs_one_of(all[child], lists.fetchers, lists) || subtree_fetches(all, all[child], lists))
      return true;
  return false;
}

/// `curl … | sh`, `bash <(curl …)`, `sh -c "$(wget …)"`: downloaded code handed to an
/// interpreter.
std::optional<risk_result> pipe_to_shell_hit(const std::vector<segment>& all,
                                             const risk_lists& lists) {
  // Segments of one pipeline appear in order, so one pass remembers which pipelines fetched.
  std::vector<bool> fetched;
  for (const auto& seg : all) {
    const auto pipeline = static_cast<std::size_t>(seg.pipeline);
    if (fetched.size() <= pipeline)
      fetched.resize(pipeline + 1, false);
    if (runs_one_of(seg, lists.interpreters, lists) &&
        (fetched[pipeline] || subtree_fetches(all, seg, lists)))
      return deny("shell.block:curl | sh",
                  "downloaded code is piped into `" + join(seg.words) + "` (curl … | sh)");
    if (runs_one_of(seg, lists.fetchers, lists))
      fetched[pipeline] = true;
  }
  return std::nullopt;
}

/// Why a segment is not on the allow list, or the allow rule it matched.
std::pair<const shell_allow_rule*, std::string> allow_rule_for(const segment& seg,
                                                               const risk_lists& lists) {
  const auto text = [&] { return join(seg.words); };
  if (seg.words.empty())
    return {nullptr, "a bare redirection is a file write"};
  if (seg.dynamic)
    return {nullptr, "`" + text() + "` uses an expansion whose value cannot be checked"};
  for (const auto& target : seg.out_targets)
    if (!is_safe_absolute(normalize_path(target), lists))
      return {nullptr, "`" + text() + "` redirects output into `" + target + "`"};
  for (const auto& w : seg.words)
    if (const std::string* pattern = protected_match(normalize_path(path_part(w)), lists))
      return {nullptr, "`" + text() + "` touches a protected path (" + *pattern + ")"};
  for (const auto& rule : lists.shell_allow) {
    if (rule.words.empty() || !starts_with_segments(seg.words, rule.words))
      continue;
    const auto first_arg = seg.words.begin() + static_cast<std::ptrdiff_t>(rule.words.size());
    const auto forbidden = std::find_if(first_arg, seg.words.end(), [&](const std::string& arg) {
      return std::any_of(rule.forbidden_args.begin(), rule.forbidden_args.end(),
                         [&](const std::string& f) { return arg_matches(arg, f); });
    });
    if (forbidden != seg.words.end())
      return {nullptr,
              "`" + text() + "` uses `" + *forbidden + "`, which " + rule.name + " may not use"};
    return {&rule, {}};
  }
  return {nullptr, "`" + text() + "` is not on the shell allow list"};
}

risk_result classify_shell_at(std::string_view command, const risk_lists& lists, int depth) {
  // Keeps the worst case cheap for the caller's thread; no real command is this long.
  constexpr std::size_t max_command_bytes = 64 * 1024;
  if (command.size() > max_command_bytes)
    return make(risk_level::red, "shell.unparsed", "the command is longer than 64 KiB");
  shell_parser parser(command);
  parser.run();
  const auto& segs = parser.segments;

  // Deny first, even in a command that did not parse cleanly: a blocked part is never run.
  for (const auto& seg : segs) {
    if (auto hit = block_rule_hit(seg, lists))
      return *hit;
    for (const auto* group : {&seg.words, &seg.out_targets, &seg.in_targets})
      for (const auto& w : *group)
        if (auto hit = path_escape_hit(w, lists))
          return *hit;
    if (auto hit = inline_script_hit(seg, lists, depth))
      return *hit;
  }
  if (auto hit = pipe_to_shell_hit(segs, lists))
    return *hit;

  if (!parser.error.empty())
    return make(risk_level::red, "shell.unparsed",
                "the command cannot be checked: " + parser.error);
  if (segs.empty())
    return make(risk_level::red, "shell.empty", "the command is empty");

  std::vector<std::string> matched;
  for (const auto& seg : segs) {
    auto [rule, why] = allow_rule_for(seg, lists);
    if (rule == nullptr)
      return make(risk_level::red, "shell.unlisted", why);
    if (!contains(matched, rule->name))
      matched.push_back(rule->name);
  }
  return make(risk_level::yellow, "shell.allow:" + join(matched, ", "),
              "on the shell allow list (" + join(matched, ", ") + ")");
}

// ---- domains ------------------------------------------------------------------------------------

bool valid_host(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '.' || h.front() == '-')
    return false;
  if (h.find("..") != std::string_view::npos)
    return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

std::string canonical_host(std::string_view host) {
  std::string h = lower(host);
  if (!h.empty() && h.back() == '.')
    h.pop_back();
  return h;
}

} // namespace

// ---- public -------------------------------------------------------------------------------------

std::string lexical_path::text() const {
  std::string out;
  switch (anchor) {
  case path_anchor::root:
    out = "/";
    break;
  case path_anchor::home:
    out = "~/";
    break;
  case path_anchor::workspace:
    break;
  }
  out += join(segments, "/");
  if (out.empty())
    out = ".";
  else if (anchor == path_anchor::home && segments.empty())
    out = "~";
  return out;
}

lexical_path normalize_path(std::string_view path) {
  lexical_path out;
  std::string_view rest = path;
  if (rest.starts_with("/")) {
    out.anchor = path_anchor::root;
  } else if (rest.starts_with("~")) {
    out.anchor = path_anchor::home;
    const auto slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  std::size_t climbed = 0;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (seg.empty() || seg == ".")
      continue;
    if (seg != "..") {
      out.segments.emplace_back(seg);
      continue;
    }
    if (out.segments.size() > climbed) {
      out.segments.pop_back();
    } else if (out.anchor != path_anchor::root) {
      // Above the anchor: keep the `..` so text() shows where the path went.
      out.segments.emplace_back("..");
      ++climbed;
      out.escapes = true;
    }
  }
  return out;
}

risk_result classify_tool(std::string_view tool_name, const risk_lists& lists) {
  const std::string name(tool_name);
  if (contains_ci(lists.green_tools, name))
    return make(risk_level::green, "tool.green:" + lower(name), "`" + name + "` is a green tool");
  if (contains_ci(lists.yellow_tools, name))
    return make(risk_level::yellow, "tool.yellow:" + lower(name),
                "`" + name + "` is a yellow tool");
  if (contains_ci(lists.red_tools, name))
    return make(risk_level::red, "tool.red:" + lower(name), "`" + name + "` is a red tool");
  if (contains_ci(lists.shell_tools, name))
    return make(risk_level::red, "shell.missing",
                "`" + name + "` is judged by its command and none was given");
  if (contains_ci(lists.write_tools, name))
    return make(risk_level::red, "write.missing",
                "`" + name + "` is judged by the path it writes and none was given");
  if (contains_ci(lists.network_tools, name))
    return make(risk_level::red, "network.missing",
                "`" + name + "` is judged by the host it reaches and none was given");
  return make(risk_level::red, "tool.unknown", "`" + name + "` is not a known tool");
}

risk_result classify_shell(std::string_view command, const risk_lists& lists) {
  return classify_shell_at(command, lists, 0);
}

risk_result classify_write_path(std::string_view path, const risk_lists& lists) {
  if (path.empty())
    return make(risk_level::red, "write.invalid", "no path given");
  const lexical_path p = normalize_path(path);
  const std::string shown = p.text();
  if (const std::string* pattern = protected_match(p, lists))
    return deny("write.deny:" + *pattern, "`" + shown + "` is protected (" + *pattern + ")");
  if (p.escapes)
    return deny("write.traversal", "`" + std::string(path) + "` climbs out of the workspace");
  if (p.anchor != path_anchor::workspace)
    return make(risk_level::red, "write.outside", "`" + shown + "` is outside the workspace");
  for (const auto& dir : lists.write_allowed_dirs) {
    const lexical_path allowed = normalize_path(dir);
    if (allowed.anchor == path_anchor::workspace && !allowed.escapes &&
        p.segments.size() > allowed.segments.size() &&
        starts_with_segments(p.segments, allowed.segments))
      return make(risk_level::yellow, "write.allow:" + dir,
                  "`" + shown + "` is inside " + dir + " of the workspace");
  }
  return make(risk_level::red, "write.unlisted",
              "`" + shown + "` is outside the workspace's writable directories");
}

risk_result classify_read_path(std::string_view path, const risk_lists& lists) {
  if (path.empty())
    return make(risk_level::red, "read.invalid", "no path given");
  const lexical_path p = normalize_path(path);
  const std::string shown = p.text();
  if (const std::string* pattern = protected_match(p, lists))
    return make(risk_level::red, "read.protected:" + *pattern,
                "`" + shown + "` is protected (" + *pattern + "), e.g. secrets");
  if (p.escapes || p.anchor != path_anchor::workspace)
    return make(risk_level::red, "read.outside", "`" + shown + "` is outside the workspace");
  return make(risk_level::green, "read.workspace", "`" + shown + "` is in the workspace");
}

risk_result classify_domain(std::string_view host, const risk_lists& lists) {
  const std::string h = canonical_host(host);
  if (!valid_host(h))
    return make(risk_level::red, "network.invalid",
                "`" + std::string(host) + "` is not a plain host name");
  for (const auto& entry : lists.network_allowlist) {
    std::string allowed = canonical_host(entry);
    if (allowed.starts_with("*."))
      allowed.erase(0, 2);
    else if (allowed.starts_with("."))
      allowed.erase(0, 1);
    if (allowed.empty())
      continue;
    const bool subdomain = h.size() > allowed.size() && h.ends_with(allowed) &&
                           h[h.size() - allowed.size() - 1] == '.';
    if (h == allowed || subdomain)
      return make(risk_level::yellow, "network.allow:" + allowed,
                  "`" + h + "` is on the network allow list (" + allowed + ")");
  }
  return make(risk_level::red, "network.unlisted", "`" + h + "` is not on the network allow list");
}

bool is_shell_tool(const risk_lists& lists, std::string_view tool_name) {
  return contains_ci(lists.shell_tools, tool_name);
}

risk_result classify_action(const agent_action& action, const risk_lists& lists) {
  const std::string& name = action.tool_name;
  const bool shell = is_shell_tool(lists, name);
  const bool write = contains_ci(lists.write_tools, name);
  const bool network = contains_ci(lists.network_tools, name);

  risk_result verdict;
  if (shell && action.command)
    verdict = classify_shell(*action.command, lists);
  else if (write && action.path)
    verdict = classify_write_path(*action.path, lists);
  else if (network && action.domain)
    verdict = classify_domain(*action.domain, lists);
  else
    verdict = classify_tool(name, lists);

  if (action.command && !shell)
    keep_stricter(verdict, classify_shell(*action.command, lists));
  if (action.path && !write)
    keep_stricter(verdict, classify_read_path(*action.path, lists));
  if (action.domain && !network)
    keep_stricter(verdict, classify_domain(*action.domain, lists));
  return verdict;
}

} // namespace mc
