// The one translation unit that compiles Asio and Beast (separate compilation keeps every
// other file that includes them from instantiating the same code again).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
