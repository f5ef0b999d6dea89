#include "persistence/row.hpp"

#include <stdexcept>

namespace mc::persistence {

int column_index(table_id t, std::string_view column) noexcept {
  const auto cols = def(t).columns;
  for (std::size_t i = 0; i < cols.size(); ++i)
    if (cols[i].name == column)
      return static_cast<int>(i);
  return -1;
}

const cell& row::at(std::string_view column) const {
  const int i = column_index(table, column);
  if (i < 0 || static_cast<std::size_t>(i) >= cells.size())
    throw std::out_of_range("table " + std::string(def(table).name) + " has no column " +
                            std::string(column));
  return cells[static_cast<std::size_t>(i)];
}

std::string row::key() const {
  if (def(table).kind == table_kind::journal)
    return std::to_string(seq);
  return cells.empty() ? std::string{} : cells.front().s;
}

} // namespace mc::persistence
