# Embeds persistence/migrations/<dialect>/NNNN_name.sql into a generated C++ file, so the binary
# carries its schema wherever it runs. Re-runs when a migration file is added or changed.

function(mc_embed_migrations output dir)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS "${dir}/*/*.sql")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${CMAKE_COMMAND}" -DOUTPUT=${output} -DDIR=${dir}
            -P "${PROJECT_SOURCE_DIR}/cmake/EmbedMigrationsScript.cmake"
    DEPENDS ${files} "${PROJECT_SOURCE_DIR}/cmake/EmbedMigrationsScript.cmake"
    COMMENT "Embedding migrations"
    VERBATIM)
endfunction()
