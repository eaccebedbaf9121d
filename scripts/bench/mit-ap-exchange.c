/*
 * The reference for `kerberosApOverMit` in `npm run bench` (issue 12): MIT's own C Kerberos
 * doing, in one process, what our emulated client and acceptor do given the tickets: an AP
 * exchange with mutual authentication (AP-REQ, AP-REP) and one wrap/unwrap each way, then both
 * contexts deleted. The client's credential cache (KRB5CCNAME) holds a TGT; the first exchange
 * fetches and caches the service ticket and is not timed. The acceptor's keys come from
 * KRB5_KTNAME.
 *
 * usage: mit-ap-exchange SERVICE@HOST ITERATIONS    prints {"iterations":N,"usPerExchange":X}
 */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void check(const char *what, OM_uint32 major, OM_uint32 minor) {
  if (GSS_ERROR(major)) {
    OM_uint32 ctx = 0, m;
    gss_buffer_desc text;
    gss_display_status(&m, minor, GSS_C_MECH_CODE, GSS_C_NO_OID, &ctx, &text);
    fprintf(stderr, "%s failed: major 0x%x, %.*s\n", what, major, (int)text.length, (char *)text.value);
    exit(1);
  }
}

static void exchange(gss_name_t target, gss_cred_id_t acceptor_cred) {
  OM_uint32 major, minor = 0;
  gss_ctx_id_t client = GSS_C_NO_CONTEXT, server = GSS_C_NO_CONTEXT;
  gss_buffer_desc ap_req = GSS_C_EMPTY_BUFFER, ap_rep = GSS_C_EMPTY_BUFFER, none = GSS_C_EMPTY_BUFFER;
  OM_uint32 flags = GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;

  major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &client, target, (gss_OID)gss_mech_krb5, flags, 0,
                               GSS_C_NO_CHANNEL_BINDINGS, &none, NULL, &ap_req, NULL, NULL);
  check("gss_init_sec_context (AP-REQ)", major, minor);
  major = gss_accept_sec_context(&minor, &server, acceptor_cred, &ap_req, GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL,
                                 &ap_rep, NULL, NULL, NULL);
  check("gss_accept_sec_context", major, minor);
  major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &client, target, (gss_OID)gss_mech_krb5, flags, 0,
                               GSS_C_NO_CHANNEL_BINDINGS, &ap_rep, NULL, &none, NULL, NULL);
  check("gss_init_sec_context (AP-REP)", major, minor);
  gss_release_buffer(&minor, &ap_req);
  gss_release_buffer(&minor, &ap_rep);

  static char text[] = "a message of some thirty-two b.";
  gss_buffer_desc message = {sizeof text - 1, text}, sealed, opened;
  int conf;
  major = gss_wrap(&minor, client, 1, GSS_C_QOP_DEFAULT, &message, &conf, &sealed);
  check("gss_wrap (client)", major, minor);
  major = gss_unwrap(&minor, server, &sealed, &opened, &conf, NULL);
  check("gss_unwrap (server)", major, minor);
  gss_release_buffer(&minor, &sealed);
  gss_release_buffer(&minor, &opened);
  major = gss_wrap(&minor, server, 1, GSS_C_QOP_DEFAULT, &message, &conf, &sealed);
  check("gss_wrap (server)", major, minor);
  major = gss_unwrap(&minor, client, &sealed, &opened, &conf, NULL);
  check("gss_unwrap (client)", major, minor);
  gss_release_buffer(&minor, &sealed);
  gss_release_buffer(&minor, &opened);

  gss_delete_sec_context(&minor, &client, GSS_C_NO_BUFFER);
  gss_delete_sec_context(&minor, &server, GSS_C_NO_BUFFER);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s SERVICE@HOST ITERATIONS\n", argv[0]);
    return 2;
  }
  OM_uint32 major, minor = 0;
  gss_buffer_desc name = {strlen(argv[1]), argv[1]};
  gss_name_t target;
  major = gss_import_name(&minor, &name, GSS_C_NT_HOSTBASED_SERVICE, &target);
  check("gss_import_name", major, minor);
  gss_cred_id_t acceptor_cred;
  major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET, GSS_C_ACCEPT, &acceptor_cred,
                           NULL, NULL);
  check("gss_acquire_cred (acceptor)", major, minor);
  long iterations = atol(argv[2]);
  exchange(target, acceptor_cred); /* fetches and caches the service ticket */
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < iterations; i++) exchange(target, acceptor_cred);
  clock_gettime(CLOCK_MONOTONIC, &end);
  double us = ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / 1e3 / iterations;
  printf("{\"iterations\":%ld,\"usPerExchange\":%.1f}\n", iterations, us);
  gss_release_cred(&minor, &acceptor_cred);
  gss_release_name(&minor, &target);
  return 0;
}
