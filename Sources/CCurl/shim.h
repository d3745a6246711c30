#pragma once
#include <curl/curl.h>

/* libcurl's option setters are C variadics, which Swift cannot call. These
   typed inline wrappers give Swift one entry point per argument type; the
   Clang importer compiles them, so no separate C target is needed. */
static inline CURLcode cortex_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cortex_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cortex_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cortex_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cortex_curl_set_list(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*cortex_curl_io_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode cortex_curl_set_callback(CURL *handle, CURLoption option, cortex_curl_io_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cortex_curl_get_long(CURL *handle, CURLINFO info, long *out) {
    return curl_easy_getinfo(handle, info, out);
}
static inline CURLcode cortex_curl_get_string(CURL *handle, CURLINFO info, char **out) {
    return curl_easy_getinfo(handle, info, out);
}
