@testable import CortexSnapshot
import CortexCore
import Foundation
import Testing

@Suite struct SigV4Tests {
    /// The S3 API reference's "Example: GET Object" (sig-v4-header-based-auth):
    /// first 10 bytes of examplebucket/test.txt, 2013-05-24T00:00:00Z.
    @Test func reproducesTheS3GetObjectExample() {
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1")
        let headers = [
            ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"), ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash),
        ]
        let date = Date(timeIntervalSince1970: 1_369_353_600)
        let canonical = signer.canonicalRequest(
            method: "GET", path: "/test.txt", query: [], headers: headers + [("x-amz-date", "20130524T000000Z")],
            payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(SHA256.hexHash(Array(canonical.request.utf8)) == "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
        let added = signer.sign(method: "GET", path: "/test.txt", query: [], headers: headers, payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(added.first { $0.0 == "x-amz-date" }?.1 == "20130524T000000Z")
        #expect(added.first { $0.0 == "Authorization" }?.1
            == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    /// aws-sig-v4-test-suite `get-vanilla-query-order-key-case`: query parameters are sorted.
    @Test func sortsQueryParametersAsTheTestSuiteExpects() {
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "service")
        let added = signer.sign(
            method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")], headers: [("Host", "example.amazonaws.com")],
            payloadHash: SigV4Signer.emptyPayloadHash, date: Date(timeIntervalSince1970: 1_440_938_160))
        #expect(added.first { $0.0 == "Authorization" }?.1
            == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,SignedHeaders=host;x-amz-date,Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func aSessionTokenIsSentAndSigned() {
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token/with+chars"), region: "eu-west-1")
        let added = signer.sign(
            method: "PUT", path: "/b/k", query: [], headers: [("host", "h"), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")],
            payloadHash: "UNSIGNED-PAYLOAD", date: Date(timeIntervalSince1970: 0))
        #expect(added.first { $0.0 == "x-amz-security-token" }?.1 == "token/with+chars")
        let authorization = added.first { $0.0 == "Authorization" }?.1 ?? ""
        #expect(authorization.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"))
        #expect(authorization.contains("/19700101/eu-west-1/s3/aws4_request"))
    }

    @Test func pathsAreEncodedOncePerSegmentAndQueriesFully() {
        #expect(S3URIEncoding.path("/bucket/snap shots/a+b~c_é.zst") == "/bucket/snap%20shots/a%2Bb~c_%C3%A9.zst")
        #expect(S3URIEncoding.encode("a/b=c&d", keepSlash: false) == "a%2Fb%3Dc%26d")
        // An already-encoded-looking key is still encoded exactly once.
        #expect(S3URIEncoding.path("/k%20") == "/k%2520")
    }

    @Test func listingsDecodeXMLEntitiesInKeys() {
        let xml = S3XML(Array("""
            <ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a&amp;b&lt;c&gt;&#233;&#x41;</Key></Contents>\
            <Contents><Key>plain</Key></Contents><NextContinuationToken>t&quot;1</NextContinuationToken></ListBucketResult>
            """.utf8))
        #expect(xml.values(of: "Key") == ["a&b<c>éA", "plain"])
        #expect(xml.value(of: "NextContinuationToken") == "t\"1")
        #expect(xml.value(of: "IsTruncated") == "true")
        #expect(S3XML.escape("\"a&b\"") == "&quot;a&amp;b&quot;")
    }

    @Test func configurationComesFromTheEnvironmentAndNamesWhatIsMissing() throws {
        let missing = #expect(throws: CortexError.self) {
            _ = try S3Configuration.fromEnvironment(endpoint: nil, environment: ["AWS_ACCESS_KEY_ID": "AK"])
        }
        #expect(missing?.message == "S3 targets need credentials: AWS_SECRET_ACCESS_KEY is not set")
        let aws = try S3Configuration.fromEnvironment(
            endpoint: nil, environment: ["AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_DEFAULT_REGION": "eu-central-1"])
        #expect(aws.endpoint == "https://s3.eu-central-1.amazonaws.com")
        #expect(!aws.usesPathStyle)
        let local = try S3Configuration.fromEnvironment(
            endpoint: "http://127.0.0.1:9000/", environment: ["AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SESSION_TOKEN": "T"])
        #expect(local.endpoint == "http://127.0.0.1:9000")
        #expect(local.usesPathStyle)
        #expect(local.region == "us-east-1")
        #expect(local.credentials.sessionToken == "T")
        let client = try S3Client(configuration: aws, bucket: "examplebucket")
        #expect(client.address(of: "snapshots/a b").host == "examplebucket.s3.eu-central-1.amazonaws.com")
        #expect(client.address(of: "snapshots/a b").path == "/snapshots/a%20b")
        #expect(try S3Client(configuration: local, bucket: "b").address(of: "k/x").path == "/b/k/x")
        var small = local
        small.partByteCount = 1 << 20
        let tooSmall = #expect(throws: CortexError.self) { _ = try S3Client(configuration: small, bucket: "b") }
        #expect(tooSmall?.message == "S3 part size 1048576 bytes is below S3's minimum of 5242880 bytes (5 MiB)")
    }
}
