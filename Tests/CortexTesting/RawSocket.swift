#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A blocking TCP socket to 127.0.0.1 for protocol-abuse tests: send arbitrary bytes, read raw replies.
///
/// Reads give up after `readTimeout` (a safety net so a broken server fails the test instead of
/// hanging it; no test asserts on time).
public final class RawSocket {
    private let descriptor: Int32

    public init(port: Int, readTimeout: Duration = .seconds(20)) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawSocketError.failed("socket: errno \(errno)") }
        var timeout = timeval(tv_sec: Int(readTimeout.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(descriptor)
            throw RawSocketError.failed("connect to port \(port): errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw RawSocketError.failed("send: errno \(errno)") }
            offset += written
        }
    }

    /// Closes the sending side (the server sees EOF).
    public func shutdownWrite() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Everything until the server closes the connection.
    public func readToEnd() throws -> [UInt8] {
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return collected }
            guard count > 0 else { throw RawSocketError.failed("recv: errno \(errno) after \(collected.count) bytes") }
            collected.append(contentsOf: chunk[0..<count])
        }
    }

    /// Exactly `count` bytes; throws if the connection ends first.
    public func read(count: Int) throws -> [UInt8] {
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: count)
        while collected.count < count {
            let received = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, count - collected.count, 0) }
            guard received > 0 else { throw RawSocketError.failed("recv: connection ended after \(collected.count) of \(count) bytes") }
            collected.append(contentsOf: chunk[0..<received])
        }
        return collected
    }
}

public enum RawSocketError: Error, CustomStringConvertible {
    case failed(String)
    public var description: String {
        switch self {
        case .failed(let message): message
        }
    }
}
