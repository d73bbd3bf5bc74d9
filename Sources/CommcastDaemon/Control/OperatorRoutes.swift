import CommcastConsole
import CommcastControlAPI
import CommcastCore
import Foundation
import Hummingbird

extension ControlAPIService {
    /// `POST /v1/operators/:name/password`: `commcast operator passwd NAME`. The
    /// station administrator sets anyone's; an operator sets their own. The new
    /// password ends every console session of that operator.
    func addOperatorRoutes(to v1: RouterGroup<ControlRequestContext>) {
        v1.post("operators/:name/password") { [self] request, context in
            let (op, target) = try operatorAndTarget(context, what: "password")
            let body = try await RequestBody.json(SetPasswordRequest.self, from: request, limit: 4096)
            if let problem = PasswordHasher.check(body.password, operatorName: target.name) { throw APIError.badRequest(problem.description) }
            let hash = try await offload { try PasswordHasher.hash(body.password) }
            try database.setPasswordHash(hash, operatorName: target.name, by: context.actor(op), at: Date())
            let ended = sessions.closeAll(of: target.name)
            logger.notice("operator password set", metadata: ["operator": "\(target.name)", "by": "\(op.name)", "sessions_ended": "\(ended)"])
            return try JSONResponse.ok(SetPasswordResult(operator: target.name, sessionsEnded: ended))
        }

        // A second factor for the console: a new TOTP secret, shown once; DELETE
        // removes it (a lost phone). Either ends the operator's console sessions.
        v1.post("operators/:name/totp") { [self] _, context in
            let (op, target) = try operatorAndTarget(context, what: "second factor")
            let secret = TOTP.newSecret()
            try database.setTOTP(secret, operatorName: target.name, by: context.actor(op), at: Date())
            let ended = sessions.closeAll(of: target.name)
            logger.notice("operator second factor enrolled", metadata: ["operator": "\(target.name)", "by": "\(op.name)"])
            return try JSONResponse.ok(
                TOTPEnrollment(
                    operator: target.name, secret: TOTP.base32(secret),
                    uri: TOTP.provisioningURI(secret: secret, account: target.name, issuer: "commcast"), sessionsEnded: ended))
        }
        v1.delete("operators/:name/totp") { [self] _, context in
            let (op, target) = try operatorAndTarget(context, what: "second factor")
            guard try database.totp(operatorName: target.name) != nil else {
                throw APIError.notFound("\(target.name) has no second factor to remove")
            }
            try database.setTOTP(nil, operatorName: target.name, by: context.actor(op), at: Date())
            let ended = sessions.closeAll(of: target.name)
            return try JSONResponse.ok(SetPasswordResult(operator: target.name, sessionsEnded: ended))
        }
    }

    /// The caller and the operator named in the path: the station administrator
    /// changes anyone's `what`; an operator only their own.
    func operatorAndTarget(_ context: ControlRequestContext, what: String) throws -> (Operator, Operator) {
        let op = try context.requireOperator()
        let raw = try context.parameters.require("name")
        let name = raw.removingPercentEncoding ?? raw
        guard let target = settings.operator(named: name) else {
            throw APIError.notFound(
                "operator: got \(name.debugDescription), expected one of the [[operators]] of commcastd.toml (\(settings.current.operators.map(\.name).joined(separator: ", ")))"
            )
        }
        guard op.isAdministrator || op.name == target.name else {
            throw APIError.forbidden("\(op.name) may set only their own \(what); the station administrator sets others'")
        }
        return (op, target)
    }
}
